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
//
// Words come from the interpreter catalogue (clients/i18n/interpreter/) and the audio one (who is
// heard, the sound's problems), in the interpreter's language, with a picker in the header; a refusal
// is the server's error.<code>.  Arabic lays the booth out right to left (interpreter.css uses logical
// properties); names, captions and the clock keep their own direction.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { AudioPeer, SILENT_DB, micPossible, slotName, updateMeter, audioErrorText } from "/static/shared/audio.js";
import {
  t, tn, tnodes, errorText, loadCatalogues, translatePage, languagePicker, onLanguageChange, timeLocales,
} from "/static/shared/i18n.js";

await loadCatalogues(["common", "server", "audio", "interpreter"]);
translatePage(document);
$("#language-slot").append(languagePicker({ id: "language" }));

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const params = new URLSearchParams(location.hash.slice(1));
const key = params.get("key") || "";
const channel = params.get("channel") || "";
const role = params.get("role") === "captioner" ? "captioner" : "interpreter";
const nameKey = `plaza.booth.${meetingId}.${channel}`;
const AMBER_S = 20 * 60;
const RED_S = 30 * 60;
const CAPTION_MAX = 300;

let booth = null;        // the booth view
let myName = localStorage.getItem(nameKey) || "";
let joined = false;      // booth_join acknowledged on this connection
let source = "floor";    // what I interpret from: "floor" or another channel's id (relay)
let broken = false;
let seen = null;         // what was last announced: {live, offer, clash}
let problemWords = null; // why the link does not work: [key, params] (worded again on a change of language)

const socket = new PlazaSocket(() => ({ role, meeting: meetingId, key, channel }));
showStatus(socket, $("#connection"));
const audio = role === "interpreter" ? new AudioPeer(socket, {
  // An interpreter's voice is the channel: keep it natural (no noise gate pumping between words).
  micConstraints: { echoCancellation: true, noiseSuppression: false, autoGainControl: true },
}) : null;

document.body.classList.add(role);
if (role === "captioner") $("#brand").dataset.i18n = "interpreter.brand_captions";

/** The header and the tab's title before the booth view comes (and when the link does not work). */
function wordHead() {
  translatePage($("#brand"));
  if (problemWords) {
    setText($("#channel-name"), t("interpreter.problem.title"));
    document.title = t("interpreter.problem.doc_title");
  } else if (!booth) {
    setText($("#channel-name"), t("interpreter.connecting"));
    document.title = t(role === "captioner" ? "interpreter.doc_title_captions" : "interpreter.doc_title");
  }
}
wordHead();

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
        problem(message.code === "bad_key" ? ["interpreter.problem.bad_key", { part: code("#key=") }]
          : message.code === "unknown_channel" ? ["interpreter.problem.unknown_channel", {}]
            : message.code === "unknown_meeting" ? ["interpreter.problem.unknown_meeting", {}] : [null, message]);
      }
      break;
  }
});

/** A piece of a link, shown as written (left to right, even inside Arabic). */
function code(text) {
  return el("code", { dir: "ltr" }, text);
}

/** The link does not work: say why (``words``: [catalogue key, params], or [null, the server's error]). */
function problem(words) {
  broken = true;
  problemWords = words;
  socket.stop();
  if (audio) audio.stop();
  $("#problem").hidden = false;
  wordProblem();
  $("#booth").hidden = true;
  $("#name-step").hidden = true;
  wordHead();
}

function wordProblem() {
  if (!problemWords) return;
  const [wordsKey, params] = problemWords;
  if (!wordsKey) {
    $("#problem-text").replaceChildren(errorText(params));
    return;
  }
  // A code node can only be in one place: each wording gets fresh ones.
  const fresh = Object.fromEntries(Object.entries(params).map(([name, value]) =>
    [name, value instanceof Node ? code(value.textContent) : value]));
  $("#problem-text").replaceChildren(tnodes(wordsKey, fresh));
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
    error.textContent = errorText(err);
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
  if (!name) { $("#name-error").textContent = t("interpreter.name.first"); $("#name").focus(); return; }
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

// What the sound is doing, when it is worth saying (off, connected and refused say nothing here).
const STATE_WORDS = { starting: "interpreter.sound.starting", connecting: "interpreter.sound.connecting", reconnecting: "audio.state.reconnecting" };

function renderSound() {
  if (!audio) return;
  const on = audio.on;
  $("#sound-off").hidden = on || mediaOff();
  $("#sound-on").hidden = !on;
  setText($("#sound-state"), STATE_WORDS[audio.state] ? t(STATE_WORDS[audio.state]) : "");
  setText($("#sound-error"), audioErrorText(audio.error));
  const mute = $("#mute");
  mute.setAttribute("aria-pressed", String(audio.muted));
  setText(mute, t(audio.muted ? "interpreter.sound.unmute" : "interpreter.sound.mute"));
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
  setText($("#channel-name"), role === "captioner" ? t("interpreter.heading_captions", { channel: label }) : label);
  setText($("#channel-where"), ch.room ? t("interpreter.where.room", { room: ch.room_name || ch.room }) : t("interpreter.where.plenary"));
  document.title = t(role === "captioner" ? "interpreter.doc_title_captions_of" : "interpreter.doc_title_of", { channel: ch.name });
  if (ch.removed) {  // the facilitator removed the channel: nothing to do here any more
    $("#name-step").hidden = true;
    $("#booth").hidden = true;
    $("#clash").hidden = true;
    $("#problem").hidden = false;
    setText($("#problem-heading"), t("interpreter.removed.heading"));
    setText($("#problem-text"), t("interpreter.removed.text"));
    $("#problem-ask").hidden = true;
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
  setText($("#retour"), t(retour ? "interpreter.sound.retour_on" : "interpreter.sound.retour"));
  renderSound();
  tick();
}

function renderLive() {
  const live = booth.live;
  const mine = Boolean(live) && live === myName;
  const offer = booth.offer;
  document.body.classList.toggle("on-air", mine);
  setText($("#onair-badge"), t(mine ? "interpreter.live.you" : live ? "interpreter.live.heading" : "interpreter.live.off_air"));
  setText($("#live-who"), mine ? "" : live ? live : t("interpreter.live.nobody"));
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
    ? (offer === myName ? t("interpreter.offer.offered") : partners.length ? "" : t("interpreter.offer.no_partner"))
    : live ? t("interpreter.offer.other_live", { name: live }) : "");
  if (!offerState.textContent) offerState.hidden = true;
  $("#handover").hidden = !pending;
  if (pending) setText($("#handover-text"), t("interpreter.offer.to_you", { name: offer }));
  setText($("#partners"), partners.length ? t("interpreter.partners", { names: partners.join(t("common.list.separator")) }) : "");

  // Say what changed, once: the interpreter's eyes are on the speaker, not on the page.
  const now = { live, offer, clash: booth.clash ? `${booth.clash.by}@${booth.clash.at}` : "" };
  if (seen) {
    if (now.live !== seen.live) {
      announce(now.live === myName ? t("interpreter.say.you_live") : now.live ? t("interpreter.say.live", { name: now.live })
        : t("interpreter.live.nobody"));
    } else if (now.offer && now.offer !== seen.offer && now.offer !== myName) {
      announce(t("interpreter.say.offer", { name: now.offer }));
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
  const live = booth.live && booth.live !== clash.by ? booth.live : "";
  setText($("#clash-text"), live ? t("interpreter.clash.text", { by: clash.by, live }) : t("interpreter.clash.text_partner", { by: clash.by }));
}

function renderSources() {
  const select = $("#source");
  const options = [{ id: "floor", label: t(booth.channel.room ? "interpreter.source.room" : "interpreter.source.floor") },
    ...booth.channels.map((c) => ({ id: c.id, label: t("interpreter.source.relay", { channel: c.language ? `${c.name} (${c.language})` : c.name }) }))];
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
  const time = new Intl.DateTimeFormat(timeLocales().length ? timeLocales() : undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  keyed($("#recent"), captions, (c) => `${c.at}:${c.text}`,
    () => el("li", {}, el("span", { class: "at", dir: "ltr" }), el("span", { class: "text", dir: "auto" })),
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
const captionCount = () => setText($("#caption-count"),
  t("interpreter.captions.count", { count: captionInput.value.length, max: CAPTION_MAX }));
captionInput.addEventListener("input", captionCount);
$("#caption-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = captionInput.value.trim();
  if (!text) return;
  const sent = captionInput.value;
  if (await act("caption", { text }, $("#caption-error"))) {
    if (captionInput.value === sent) captionInput.value = "";  // typed on meanwhile: keep it
    captionCount();
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
  setText(hint, level === "red" ? tn("interpreter.clock.red", RED_S / 60)
    : level === "amber" ? tn("interpreter.clock.amber", AMBER_S / 60) : "");
}
setInterval(tick, 1000);

/** Words that are not plain [data-i18n] text: the sound advice without https, the caption count. */
function wordExtras() {
  if (role === "interpreter" && !micPossible()) {
    setText($("#sound-advice"), t("interpreter.sound.advice_insecure", { why: t("audio.error.insecure") }));
  }
  captionCount();
}
wordExtras();

// Another language picked: the fixed words are re-worded already (translatePage); the rest is drawn again.
onLanguageChange(() => {
  wordHead();
  wordProblem();
  wordExtras();
  render();
  tick();
});

if (!key || !channel) {
  problem(!key ? ["interpreter.problem.no_key", { part: code("#key=") }] : ["interpreter.problem.no_channel", { part: code("channel=") }]);
} else {
  if (role === "interpreter") {
    $("#name").value = myName;
  } else {
    $("#live-card").remove();
    $("#sound").remove();
  }
  socket.connect();
}
