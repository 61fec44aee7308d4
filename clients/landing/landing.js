// The landing page: start a meeting (POST /api/meetings) and show its links.
//
// Unless the server runs with open creation, creating needs the organiser key: this browser
// has it if it opened the organiser page (kept in localStorage), or the person pastes the
// organiser link here.
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
  if (!title) { error.textContent = "Please give the meeting a title."; $("#title").focus(); return; }
  let key = savedKey();
  if (!key && !$("#organiser-field").hidden) {
    key = keyFrom($("#organiser-link").value);
    if (!key) { error.textContent = "Please paste the organiser link."; $("#organiser-link").focus(); return; }
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
      let message = body.error?.message || "The meeting could not be created.";
      const wait = response.headers.get("Retry-After");
      if (response.status === 429 && wait) message = `Too many new meetings from here: try again in ${wait} seconds.`;
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
    $("#created-title").textContent = body.title;
    $("#created-code").textContent = body.code;
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
