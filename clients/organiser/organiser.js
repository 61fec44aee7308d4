// The organiser page (/organise#key=…): lists every meeting on the server with its links
// (GET /api/meetings) and creates meetings (POST /api/meetings), with the organiser key.
// The key rides in the fragment, which browsers never send; this browser keeps it in
// localStorage so the landing page's "Create meeting" can use it too.
//
// Words come from the organiser catalogue (clients/i18n/organiser/) in the reader's language, with a
// language picker beside the title; titles, codes and links are shown as they are, isolated.
import { t, tn, tnodes, errorText, language, loadCatalogues, translatePage, languagePicker, onLanguageChange } from "/static/shared/i18n.js";

const $ = (s) => document.querySelector(s);
const STORE = "plaza.organiser";

function keyFrom(text) {
  const t = (text || "").trim();
  const at = t.indexOf("#key=");
  return decodeURIComponent(at >= 0 ? t.slice(at + 5).trim() : t);
}

let key = keyFrom(location.hash.startsWith("#key=") ? location.hash : "");
if (!key) { try { key = localStorage.getItem(STORE) || ""; } catch { key = ""; } }

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const error = new Error(data.error?.message || t("organiser.error.status", { status: response.status }));
    error.code = data.error?.code;
    error.params = data.error?.params;
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

await loadCatalogues(["common", "server", "organiser"]);
$("#language-slot").append(languagePicker({ id: "language" }));
let meetingsShown = null;  // the last list (worded again on a change of language)
let keyMessage = "";  // the key form's last message key

/** The paragraphs with a <strong> or <code> inside, and the title. */
function wordPage() {
  document.title = t("organiser.doc_title");
  const strong = document.createElement("strong");
  strong.textContent = t("organiser.lead_strong");
  $("#lead").replaceChildren(tnodes("organiser.lead", { strong }));
  const code = document.createElement("code");
  code.textContent = "links.json";
  $("#key-help").replaceChildren(tnodes("organiser.key.help", { file: code }));
  if (keyMessage) $("#key-error").textContent = t(keyMessage);
  if (meetingsShown) {
    $("#meetings").replaceChildren(...meetingsShown.map((m) => meetingItem(m, false)));
    if (!meetingsShown.length) $("#status").textContent = t("organiser.list.none");
  }
}

// English is the page as written (the tests read it); other languages are worded here.
if (language() !== "en") {
  translatePage(document);
  wordPage();
}
onLanguageChange(wordPage);

/** A refusal: the server's English message in English, its error.<code> worded in another language. */
function refusal(err) {
  return language() === "en" || !err.code ? err.message : errorText({ code: err.code, message: err.message, params: err.params });
}

function askForKey(message) {
  try { localStorage.removeItem(STORE); } catch { /* private mode */ }
  $("#organiser").hidden = true;
  $("#key-card").hidden = false;
  keyMessage = message || "";
  $("#key-error").textContent = message ? t(message) : "";
  $("#key-input").focus();
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function link(href, text, newTab = false) {
  const a = el("a", { href, textContent: text });
  if (newTab) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
  return a;
}

function meetingItem(m, fresh) {
  const headingId = `m-${m.id}`;
  const li = el("li", { className: `card meeting${fresh ? " new" : ""}`, id: `meeting-${m.id}` });
  li.setAttribute("aria-labelledby", headingId);
  li.append(el("h3", { id: headingId, textContent: m.title }));
  const state = el("span", { className: `state-${m.state}`, textContent: t(m.state === "ended" ? "organiser.state.ended" : "organiser.state.open") });
  const code = el("span", { className: "code", textContent: m.code });
  li.append(el("p", { className: "facts" }, tnodes("organiser.facts", { code, state, count: m.present })));
  const dl = el("dl", { className: "links" });
  if (m.facilitator_url) {
    dl.append(el("dt", { textContent: t("organiser.link.console_secret") }), el("dd", {}, link(m.facilitator_url, m.facilitator_url)));
    dl.append(el("dt", { textContent: t("organiser.link.screen") }), el("dd", {}, link(m.screen_url, m.screen_url, true)));
  } else {
    dl.append(el("dt", { textContent: t("organiser.link.console") }), el("dd", { textContent: t("organiser.link.not_derived") }));
  }
  dl.append(el("dt", { textContent: t("organiser.link.join") }), el("dd", {}, link(m.join_url, m.join_url)));
  li.append(dl);
  const actions = el("p", { className: "actions" });
  if (m.facilitator_url) {
    const open = link(m.facilitator_url, t("organiser.open_console"));
    open.className = "button";
    open.setAttribute("aria-label", t("organiser.open_console_of", { title: m.title }));
    actions.append(open);
  }
  const minutes = link(m.minutes_url, t("organiser.minutes"), true);
  minutes.className = "button secondary";
  minutes.setAttribute("aria-label", t("organiser.minutes_of", { title: m.title }));
  actions.append(minutes);
  li.append(actions);
  return li;
}

async function refresh(freshId) {
  $("#status").textContent = t("organiser.list.loading");
  try {
    const { meetings } = await api("GET", "/api/meetings");
    meetingsShown = meetings;
    $("#meetings").replaceChildren(...meetings.map((m) => meetingItem(m, m.id === freshId)));
    $("#count").textContent = `(${meetings.length})`;
    $("#status").textContent = meetings.length ? "" : t("organiser.list.none");
    return true;
  } catch (err) {
    if (err.code === "organiser_required" || err.code === "bad_organiser_key") {
      askForKey("organiser.error.wrong_key");
      return false;
    }
    $("#status").textContent = refusal(err);
    return false;
  }
}

async function start() {
  if (!key) { askForKey(""); return; }
  if (await refresh()) {
    try { localStorage.setItem(STORE, key); } catch { /* private mode */ }
    $("#key-card").hidden = true;
    $("#organiser").hidden = false;
  }
}

$("#key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  key = keyFrom($("#key-input").value);
  if (!key) { keyMessage = "organiser.error.no_key"; $("#key-error").textContent = t(keyMessage); return; }
  history.replaceState(null, "", `/organise#key=${encodeURIComponent(key)}`);
  await start();
  if (!$("#organiser").hidden) $("#title").focus();
});

$("#refresh").addEventListener("click", () => refresh());

$("#create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("#title").value.trim();
  const error = $("#create-error");
  if (!title) { error.textContent = t("organiser.error.no_title"); $("#title").focus(); return; }
  $("#create-button").disabled = true;
  try {
    const created = await api("POST", "/api/meetings", { title });
    error.textContent = "";
    $("#title").value = "";
    await refresh(created.id);
    $("#status").textContent = t("organiser.created", { title: created.title, code: created.code });
    const item = document.getElementById(`meeting-${created.id}`);
    if (item) { item.tabIndex = -1; item.focus(); }
  } catch (err) {
    error.textContent = refusal(err);
  } finally {
    $("#create-button").disabled = false;
  }
});

start();
