// The landing page: start a meeting (POST /api/meetings) and show its links.
//
// Unless the server runs with open creation, creating needs the organiser key: this browser
// has it if it opened the organiser page (kept in localStorage), or the person pastes the
// organiser link here.
//
// Words come from the landing catalogue (clients/i18n/landing/), in the reader's language, with a
// language picker beside the title; English stays the page's own words.
import { t, tnodes, errorText, language, loadCatalogues, translatePage, languagePicker, onLanguageChange } from "/static/shared/i18n.js";

const $ = (s) => document.querySelector(s);
const STORE = "plaza.organiser";

function savedKey() {
  try { return localStorage.getItem(STORE) || ""; } catch { return ""; }
}

function keyFrom(text) {
  const t = text.trim();
  const at = t.indexOf("#key=");
  return at >= 0 ? t.slice(at + 5).trim() : t;
}

let openCreation = false;
let created = null;  // the meeting just made (its heading is worded again on a change of language)

await loadCatalogues(["common", "server", "landing"]);
$("#language-slot").append(languagePicker({ id: "language" }));

/** A file name, command or address shown inside words: as written, left to right even in Arabic. */
function code(text) {
  const node = document.createElement("code");
  node.dir = "ltr";
  node.textContent = text;
  return node;
}

/** The words of the page that are not plain [data-i18n] text: paragraphs with a link or a code inside. */
function wordPage() {
  document.title = t("landing.doc_title");
  const link = (id, key, href = "/organise") => {
    const a = document.createElement("a");
    a.id = id;
    a.href = $(`#${id}`)?.getAttribute("href") || href;
    a.textContent = t(key);
    return a;
  };
  $("#organiser-note").replaceChildren(tnodes("landing.create.note",
    { file: code("links.json"), link: link("organiser-page", "landing.create.note_link") }));
  $("#organiser-help").replaceChildren(tnodes("landing.create.organiser_help", { example: code("…/organise#key=…") }));
  $("#organiser-known").replaceChildren(tnodes("landing.create.known",
    { link: link("organiser-page-known", "landing.create.known_link") }));
  $("#listed").replaceChildren(tnodes("landing.created.listed", { link: link("organiser-list", "landing.create.known_link") }));
  const strong = document.createElement("strong");
  strong.textContent = t("landing.created.secret_strong");
  $("#created-secret").replaceChildren(tnodes("landing.created.secret", { strong }));
  if (created) wordCreated();
}

function wordCreated() {
  const title = document.createElement("span");
  title.id = "created-title";
  title.textContent = created.title;
  const code = document.createElement("span");
  code.id = "created-code";
  code.textContent = created.code;
  $("#created-heading").replaceChildren(tnodes("landing.created.ready", { title, code }));
}

// English is the page as written (the tests read it); other languages are worded here.
if (language() !== "en") {
  translatePage(document);
  wordPage();
}
onLanguageChange(wordPage);

function showKeyState() {
  const key = savedKey();
  $("#organiser-known").hidden = openCreation || !key;
  $("#organiser-note").hidden = openCreation || Boolean(key);
  $("#organiser-field").hidden = openCreation || Boolean(key);
  if (key) {
    for (const id of ["#organiser-page-known", "#organiser-list"]) $(id).href = `/organise#key=${encodeURIComponent(key)}`;
  }
}

async function loadServer() {
  try {
    const response = await fetch("/api/server", { cache: "no-store" });
    openCreation = Boolean((await response.json()).open_creation);
  } catch { openCreation = false; }
  showKeyState();
}

$("#create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("#title").value.trim();
  const error = $("#create-error");
  if (!title) { error.textContent = t("landing.error.no_title"); $("#title").focus(); return; }
  let key = savedKey();
  if (!key && !$("#organiser-field").hidden) {
    key = keyFrom($("#organiser-link").value);
    if (!key) { error.textContent = t("landing.error.no_key"); $("#organiser-link").focus(); return; }
  }
  $("#create-button").disabled = true;
  try {
    const headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = `Bearer ${key}`;
    const response = await fetch("/api/meetings", { method: "POST", headers, body: JSON.stringify({ title }) });
    const body = await response.json();
    if (!response.ok) {
      if (body.error?.code === "organiser_required" || body.error?.code === "bad_organiser_key") {
        try { localStorage.removeItem(STORE); } catch { /* private mode */ }
        openCreation = false;
        showKeyState();
        $("#organiser-link").focus();
      }
      // The server's English message in English; its error.<code> worded in any other language.
      let message = body.error ? (language() === "en" ? body.error.message : errorText(body.error)) : "";
      message ||= t("landing.error.failed");
      const wait = response.headers.get("Retry-After");
      if (response.status === 429 && wait) message = t("landing.error.too_many", { seconds: wait });
      throw new Error(message);
    }
    if (key) {
      try { localStorage.setItem(STORE, key); } catch { /* private mode: paste it again next time */ }
      for (const id of ["#organiser-page-known", "#organiser-list"]) $(id).href = `/organise#key=${encodeURIComponent(key)}`;
    }
    $("#listed").hidden = !key;
    error.textContent = "";
    for (const name of ["facilitator", "screen", "join"]) {
      const link = $(`#${name}-url`);
      link.href = link.textContent = body[`${name}_url`];
    }
    $("#open-console").href = body.facilitator_url;
    $("#open-screen").href = body.screen_url;
    created = { title: body.title, code: body.code };
    wordCreated();
    $("#create-form").hidden = true;
    $("#created").hidden = false;
    $("#created").focus();
  } catch (err) {
    error.textContent = err.message;
  } finally {
    $("#create-button").disabled = false;
  }
});

loadServer();
