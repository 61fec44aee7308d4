// The organiser page (/organise#key=…): lists every meeting on the server with its links
// (GET /api/meetings) and creates meetings (POST /api/meetings), with the organiser key.
// The key rides in the fragment, which browsers never send; this browser keeps it in
// localStorage so the landing page's "Create meeting" can use it too.
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
    const error = new Error(data.error?.message || `The server answered ${response.status}.`);
    error.code = data.error?.code;
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

function askForKey(message) {
  try { localStorage.removeItem(STORE); } catch { /* private mode */ }
  $("#organiser").hidden = true;
  $("#key-card").hidden = false;
  $("#key-error").textContent = message || "";
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
  const state = el("span", { className: `state-${m.state}`, textContent: m.state === "ended" ? "Ended" : "Open" });
  li.append(el("p", { className: "facts" },
    "Code ", el("span", { className: "code", textContent: m.code }), " · ", state,
    ` · ${m.present} ${m.present === 1 ? "person" : "people"} here`));
  const dl = el("dl", { className: "links" });
  if (m.facilitator_url) {
    dl.append(el("dt", { textContent: "Facilitator console (secret)" }), el("dd", {}, link(m.facilitator_url, m.facilitator_url)));
    dl.append(el("dt", { textContent: "Big screen" }), el("dd", {}, link(m.screen_url, m.screen_url, true)));
  } else {
    dl.append(el("dt", { textContent: "Facilitator console" }),
      el("dd", { textContent: "Not derived from this server's secret (made on another server, imported, or made before this server kept one): its link is only where it was first shown." }));
  }
  dl.append(el("dt", { textContent: "Join link for phones" }), el("dd", {}, link(m.join_url, m.join_url)));
  li.append(dl);
  const actions = el("p", { className: "actions" });
  if (m.facilitator_url) {
    const open = link(m.facilitator_url, "Open the console");
    open.className = "button";
    open.setAttribute("aria-label", `Open the console of ${m.title}`);
    actions.append(open);
  }
  const minutes = link(m.minutes_url, "Minutes", true);
  minutes.className = "button secondary";
  minutes.setAttribute("aria-label", `Minutes of ${m.title}`);
  actions.append(minutes);
  li.append(actions);
  return li;
}

async function refresh(freshId) {
  $("#status").textContent = "Loading…";
  try {
    const { meetings } = await api("GET", "/api/meetings");
    $("#meetings").replaceChildren(...meetings.map((m) => meetingItem(m, m.id === freshId)));
    $("#count").textContent = `(${meetings.length})`;
    $("#status").textContent = meetings.length ? "" : "No meetings yet.";
    return true;
  } catch (err) {
    if (err.code === "organiser_required" || err.code === "bad_organiser_key") {
      askForKey("That is not this server's organiser link.");
      return false;
    }
    $("#status").textContent = err.message;
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
  if (!key) { $("#key-error").textContent = "Please paste the organiser link."; return; }
  history.replaceState(null, "", `/organise#key=${encodeURIComponent(key)}`);
  await start();
  if (!$("#organiser").hidden) $("#title").focus();
});

$("#refresh").addEventListener("click", () => refresh());

$("#create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("#title").value.trim();
  const error = $("#create-error");
  if (!title) { error.textContent = "Please give the meeting a title."; $("#title").focus(); return; }
  $("#create-button").disabled = true;
  try {
    const created = await api("POST", "/api/meetings", { title });
    error.textContent = "";
    $("#title").value = "";
    await refresh(created.id);
    $("#status").textContent = `Created “${created.title}”, code ${created.code}.`;
    const item = document.getElementById(`meeting-${created.id}`);
    if (item) { item.tabIndex = -1; item.focus(); }
  } catch (err) {
    error.textContent = err.retryAfter ? `${err.message}` : err.message;
  } finally {
    $("#create-button").disabled = false;
  }
});

start();
