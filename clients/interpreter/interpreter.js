// The interpreter's console (and the captioner's): a capability page, /interpret/{meeting}#key=K&channel=ch1
// (&role=captioner).  An interpreter names themselves first (booth_join: remembered on this device
// per channel, and said again on every reconnect so the booth knows them), then hears the floor (or,
// for relay, another channel), sees their own voice's level, goes live, and hands over to their
// booth partner: "Offer handover" from the live one, "Take over" from the partner, one click each,
// so the channel never has two voices nor falls silent.  The clock since the last handover turns
// amber at 20 minutes and red at 30.  Captions are typed below; a captioner's page shows only them.
//
// Everything the booth shares comes in the `booth` view; the page keeps only who *I* am (the name I
// joined with) and the source I chose.  People's names and captions are set as text, never HTML.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { AudioPeer, SILENT_DB, micPossible, slotName, updateMeter, ERROR_WORDS } from "/static/shared/audio.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const params = new URLSearchParams(location.hash.slice(1));
const key = params.get("key") || "";
const channel = params.get("channel") || "";
const role = params.get("role") === "captioner" ? "captioner" : "interpreter";
const nameKey = `plaza.booth.${meetingId}.${channel}`;
const AMBER_S = 20 * 60;
const RED_S = 30 * 60;

let booth = null;        // the booth view
let myName = localStorage.getItem(nameKey) || "";
let joined = false;      // booth_join acknowledged on this connection
let source = "floor";    // what I interpret from: "floor" or another channel's id (relay)
let broken = false;
let seen = null;         // what was last announced: {live, offer, clash}

const socket = new PlazaSocket(() => ({ role, meeting: meetingId, key, channel }));
showStatus(socket, $("#connection"));
const audio = role === "interpreter" ? new AudioPeer(socket, {
  // An interpreter's voice is the channel: keep it natural (no noise gate pumping between words).
  micConstraints: { echoCancellation: true, noiseSuppression: false, autoGainControl: true },
}) : null;

document.body.classList.add(role);
if (role === "captioner") {
  $("#brand").textContent = "Plaza · captions";
  document.title = "Plaza — captions";
}

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "welcome":
      joined = false;
      if (role === "interpreter" && myName) join(myName, { quiet: true });
      break;
    case "view":
      if (message.view === "booth") {
        booth = message.data;
        render();
      }
      break;
    case "error":
      if (["bad_key", "unknown_channel", "unknown_meeting", "bad_field"].includes(message.code) && !socket.connected) {
        problem(message.code === "bad_key" ? "The key in this link is wrong or missing (the part after #key=)."
          : message.code === "unknown_channel" ? "This meeting has no such language channel (it may have been removed)."
            : message.code === "unknown_meeting" ? "There is no such meeting." : message.message);
      }
      break;
  }
});

function problem(text) {
  broken = true;
  socket.stop();
  if (audio) audio.stop();
  $("#problem").hidden = false;
  $("#problem-text").textContent = text;
  $("#booth").hidden = true;
  $("#name-step").hidden = true;
  $("#channel-name").textContent = "Link not valid";
  document.title = "Booth link not valid — Plaza";
}

function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

async function act(type, fields = {}, error = $("#booth-error")) {
  try {
    const reply = await socket.request(type, fields);
    error.textContent = "";
    return reply || true;
  } catch (err) {
    error.textContent = err.message;
    return false;
  }
}

// --- who I am ----------------------------------------------------------------------------------

async function join(name, { quiet = false } = {}) {
  const error = $("#name-error");
  const ok = await act("booth_join", { name }, error);
  if (!ok) {
    if (quiet) { myName = ""; render(); }  // the remembered name is refused now: ask again
    return false;
  }
  myName = name;
  joined = true;
  localStorage.setItem(nameKey, name);
  if (source !== "floor") act("audio_source", { source }, $("#sound-error"));
  render();
  return true;
}

$("#name-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("#name").value.trim();
  if (!name) { $("#name-error").textContent = "Type your name first."; $("#name").focus(); return; }
  $("#name-go").disabled = true;
  try {
    // The click that names you also starts the sound: browsers start audio on a gesture.
    if (await join(name) && audio && !mediaOff()) startSound();
  } finally {
    $("#name-go").disabled = false;
  }
});

// --- sound -------------------------------------------------------------------------------------

/** The server runs without audio (its welcome says so): the booth is for captions only. */
const mediaOff = () => booth?.media === false || audio?.media === false;

async function startSound() {
  if (!audio || audio.on) return;
  $("#sound-error").textContent = "";
  await audio.start({ mic: true });
}

if (audio) {
  audio.gainFor = () => 1;
  audio.addEventListener("change", () => renderSound());
  let queued = false;
  audio.addEventListener("level", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; renderLevels(); });
  });
  $("#sound-start").addEventListener("click", startSound);
  $("#mute").addEventListener("click", () => audio.setMuted(!audio.muted));
  $("#source").addEventListener("change", async (event) => {
    const wanted = event.target.value;
    if (await act("audio_source", { source: wanted }, $("#sound-error"))) source = wanted;
    else event.target.value = source;
  });
}

$("#retour").addEventListener("click", () => act("retour", { on: !booth?.retour }, $("#sound-error")));

const STATE_WORDS = {
  off: "",
  starting: "Starting the sound…",
  connecting: "Connecting the sound…",
  connected: "",
  reconnecting: "Sound lost: reconnecting…",
  refused: "",
};

function renderSound() {
  if (!audio) return;
  const on = audio.on;
  $("#sound-off").hidden = on || mediaOff();
  $("#sound-on").hidden = !on;
  setText($("#sound-state"), STATE_WORDS[audio.state] ?? "");
  setText($("#sound-error"), audio.error ? audio.error.message : "");
  const mute = $("#mute");
  mute.setAttribute("aria-pressed", String(audio.muted));
  setText(mute, audio.muted ? "Microphone muted: unmute" : "Mute my microphone");
  mute.disabled = !audio.hasMic;
  keyed($("#hear"), audio.slots.map((slot, i) => ({ slot, i })).filter((s) => s.slot), (s) => s.i,
    (s) => {
      const id = `hear-${s.i}`;
      return el("li", { class: "meter-row" }, el("label", { for: id }), el("meter", { id, min: 0, max: 100, low: 60, high: 90, optimum: 50, value: 0 }));
    },
    (li, s) => setText(li.firstChild, slotName(s.slot)));
  $("#hear-none").hidden = audio.slots.some(Boolean) || !on;
  renderLevels();
}

function renderLevels() {
  if (!audio) return;
  for (const li of $("#hear").children) updateMeter(li.lastChild, audio.levels[Number(li.dataset.key)] ?? SILENT_DB);
  updateMeter($("#mic-meter"), audio.micLevel);
}

// --- the booth ---------------------------------------------------------------------------------

function render() {
  if (broken || !booth) return;
  const ch = booth.channel;
  const label = ch.language ? `${ch.name} (${ch.language})` : ch.name;
  setText($("#channel-name"), role === "captioner" ? `Captions · ${label}` : label);
  setText($("#channel-where"), ch.room ? `In breakout room ${ch.room_name || ch.room}` : "Plenary");
  document.title = `${role === "captioner" ? "Captions" : "Booth"} · ${ch.name} — Plaza`;
  if (ch.removed) {  // the facilitator removed the channel: nothing to do here any more
    $("#name-step").hidden = true;
    $("#booth").hidden = true;
    $("#clash").hidden = true;
    $("#problem").hidden = false;
    setText($("#problem-heading"), "This channel was removed");
    setText($("#problem-text"), "The facilitator removed this language channel: its listeners hear the floor.");
    if (audio && audio.on) audio.stop();
    return;
  }
  $("#problem").hidden = true;
  const named = role === "captioner" || Boolean(myName);
  $("#name-step").hidden = named;
  $("#booth").hidden = !named;
  if (!named) return;
  renderCaptions();
  if (role === "captioner") return;
  renderClash();
  renderLive();
  renderSources();
  $("#media-off").hidden = !mediaOff();
  if (mediaOff() && audio.on) audio.stop();
  const retour = Boolean(booth.retour);
  $("#retour").setAttribute("aria-pressed", String(retour));
  setText($("#retour"), retour ? "Retour on" : "Retour");
  renderSound();
  tick();
}

function renderLive() {
  const live = booth.live;
  const mine = Boolean(live) && live === myName;
  const offer = booth.offer;
  document.body.classList.toggle("on-air", mine);
  setText($("#onair-badge"), mine ? "You are live" : live ? "Live" : "Off air");
  setText($("#live-who"), mine ? "" : live ? live : "Nobody is live: the channel is silent.");
  $("#onair").classList.toggle("silent", !live);
  $("#onair").classList.toggle("other", Boolean(live) && !mine);
  const pending = Boolean(offer) && offer === live && !mine;
  $("#go-live").hidden = mine || pending;  // a handover offered to me: "Take over" is the one thing to press
  $("#go-off").hidden = !mine;
  // Someone else is live: going live yourself would put two voices on the channel.
  $("#go-live").disabled = Boolean(live) && !mine;
  const partners = booth.interpreters.filter((n) => n !== myName);
  $("#offer").hidden = !mine || offer === myName;
  $("#offer").disabled = !partners.length;
  $("#withdraw").hidden = !mine || offer !== myName;
  const offerState = $("#offer-state");
  offerState.hidden = !(mine || (live && !mine && offer !== live));
  setText(offerState, mine
    ? (offer === myName ? "Handover offered: keep going until your partner takes over."
      : partners.length ? "" : "No booth partner here yet: they join with the same link.")
    : live ? `${live} is live. When they offer the handover, "Take over" shows here.` : "");
  if (!offerState.textContent) offerState.hidden = true;
  $("#handover").hidden = !pending;
  if (pending) setText($("#handover-text"), `${offer} offers you the handover.`);
  setText($("#partners"), partners.length ? `In the booth with you: ${partners.join(", ")}.` : "");

  // Say what changed, once: the interpreter's eyes are on the speaker, not on the page.
  const now = { live, offer, clash: booth.clash ? `${booth.clash.by}@${booth.clash.at}` : "" };
  if (seen) {
    if (now.live !== seen.live) {
      announce(now.live === myName ? "You are live." : now.live ? `${now.live} is live.` : "Nobody is live: the channel is silent.");
    } else if (now.offer && now.offer !== seen.offer && now.offer !== myName) {
      announce(`${now.offer} offers you the handover. Take over when ready.`);
    }
  }
  seen = now;
}

/** A partner pressed "Go live" over the live voice (refused: one voice only); red on both pages for clash_shown s. */
function renderClash() {
  const clash = booth.clash;
  const shown = Boolean(clash) && secondsLeft(socket, clash.at + (booth.clash_shown ?? 10)) > 0;
  $("#clash").hidden = !shown;
  if (!shown) return;
  const live = booth.live && booth.live !== clash.by ? booth.live : "a partner";
  setText($("#clash-text"), `${clash.by} pressed "Go live" while ${live} is live. Only ${live} is heard: ` +
    `to change voices, ${live} offers the handover and ${clash.by} takes over.`);
}

function renderSources() {
  const select = $("#source");
  const options = [{ id: "floor", label: booth.channel.room ? "The room (floor)" : "Floor" },
    ...booth.channels.map((c) => ({ id: c.id, label: `Relay: ${c.name}${c.language ? ` (${c.language})` : ""}` }))];
  const signature = options.map((o) => `${o.id}:${o.label}`).join("\n");
  if (select.dataset.options !== signature) {
    select.dataset.options = signature;
    select.replaceChildren(...options.map((o) => el("option", { value: o.id }, o.label)));
  }
  if (!options.some((o) => o.id === source)) source = "floor";  // the relay channel was removed
  if (select.value !== source) select.value = source;
  $("#source-hint").hidden = options.length < 2;
}

function renderCaptions() {
  const captions = booth.captions || [];
  $("#no-captions").hidden = captions.length > 0;
  const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  keyed($("#recent"), captions, (c) => `${c.at}:${c.text}`, () => el("li", {}, el("span", { class: "at" }), el("span", { class: "text" })),
    (li, c) => {
      setText(li.children[0], time.format(new Date(c.at * 1000)));
      setText(li.children[1], c.text);
    });
}

$("#go-live").addEventListener("click", async () => {
  if (audio && !audio.on && !mediaOff()) startSound();
  await act("go_live");
});
$("#go-off").addEventListener("click", () => act("go_off"));
$("#offer").addEventListener("click", () => act("offer_handover"));
$("#withdraw").addEventListener("click", () => act("offer_handover", { on: false }));
$("#take-over").addEventListener("click", async () => {
  if (audio && !audio.on && !mediaOff()) startSound();
  await act("take_over");
});

const captionInput = $("#caption-text");
captionInput.addEventListener("input", () => setText($("#caption-count"), `${captionInput.value.length} / 300`));
$("#caption-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = captionInput.value.trim();
  if (!text) return;
  const sent = captionInput.value;
  if (await act("caption", { text }, $("#caption-error"))) {
    if (captionInput.value === sent) captionInput.value = "";  // typed on meanwhile: keep it
    setText($("#caption-count"), `${captionInput.value.length} / 300`);
  }
});

function tick() {
  if (!booth || broken) return;
  if (booth.clash && !$("#clash").hidden) renderClash();  // it times out by itself
  if (role !== "interpreter") return;
  const since = booth.live && booth.since;
  $("#clock").hidden = !since;
  $("#clock-hint").hidden = true;
  if (!since) return;
  const elapsed = Math.max(0, -secondsLeft(socket, since));
  setText($("#clock-time"), clock(elapsed));
  const level = elapsed >= RED_S ? "red" : elapsed >= AMBER_S ? "amber" : "";
  $("#clock").dataset.level = level;
  const hint = $("#clock-hint");
  hint.hidden = !level;
  setText(hint, level === "red" ? "Over 30 minutes: hand over now, tiredness shows in the interpretation."
    : level === "amber" ? "20 minutes: time to think about handing over." : "");
}
setInterval(tick, 1000);

if (!key || !channel) {
  problem(!key ? "This link has no key (the part after #key=)." : "This link names no channel (channel= after the key).");
} else {
  if (role === "interpreter") {
    $("#name").value = myName;
    if (!micPossible()) $("#sound-advice").textContent = `${ERROR_WORDS.insecure} Use headphones.`;
  } else {
    $("#live-card").remove();
    $("#sound").remove();
  }
  socket.connect();
}
