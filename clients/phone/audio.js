// Sound on the phone: "Listen" (the floor, the breakout room, or a language channel) and "Join with
// audio" (a remote participant: the microphone is asked for only then).  With a channel chosen, a
// slider sets how loud the floor is under the interpretation (mixed here, in the browser), and the
// channel's captions show under the player (they show even with the sound off: they are for people
// who can't hear it).  Who is heard has a level meter with their name (from `audio_slots`); mute and
// "Leave audio" are always one tap away.
//
// The mix plays through an <audio> element (AudioPeer's output "element") with Media Session
// metadata: Android keeps a playing media element going with the screen locked; iOS Safari keeps it
// going while the page stays the frontmost tab, and pauses it if another app takes the audio.
//
// phone.js owns the socket and the views: it calls initAudio() once and renderAudio() on every
// render.  This module listens to the socket itself for audio_slots, audio_state and the welcome.
// Its words are the audio catalogue's (clients/i18n/audio/), in the phone's language: the card's
// fixed words carry data-i18n, the rest is worded in draw(), which runs again on a change of language.
import { el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { AudioPeer, SILENT_DB, micPossible, slotName, updateMeter, audioErrorText } from "/static/shared/audio.js";
import { t, translatePage, onLanguageChange } from "/static/shared/i18n.js";

const SPEAKING_DB = -45;  // a slot louder than this is someone speaking now (its row is marked)

const CARD = `
  <h3 id="audio-heading" data-i18n="audio.phone.heading">Sound</h3>
  <p id="audio-intro" class="reason">Hear the meeting on this phone.</p>
  <div id="audio-choose" class="audio-choose">
    <label for="audio-channel">Listen to</label>
    <select id="audio-channel"></select>
  </div>
  <div id="audio-mix" class="audio-mix" hidden>
    <label for="audio-floor"><span data-i18n="audio.phone.floor_under">Floor under interpretation:</span>
      <output id="audio-floor-value" for="audio-floor">30%</output></label>
    <input type="range" id="audio-floor" min="0" max="100" step="5" value="30" aria-describedby="audio-floor-help">
    <p id="audio-floor-help" class="reason" data-i18n="audio.phone.floor_help">0%: only the interpreter.</p>
  </div>
  <div id="audio-off">
    <p class="audio-actions">
      <button type="button" id="audio-listen" data-i18n="audio.phone.listen">Listen</button>
      <button type="button" id="audio-join" class="secondary" data-i18n="audio.phone.join">Join with audio</button>
    </p>
    <p id="audio-join-help" class="reason">Not in the hall? "Join with audio" uses your microphone too.</p>
  </div>
  <div id="audio-on" hidden>
    <p id="audio-state" class="audio-state" aria-live="polite"></p>
    <ul id="audio-heard" class="plain audio-heard" data-i18n-attr="aria-label:audio.phone.who_you_hear" aria-label="Who you hear"></ul>
    <div id="audio-me" class="audio-me" hidden>
      <div class="audio-meter-row"><label for="audio-mic-meter" data-i18n="audio.phone.your_mic">Your microphone</label>
        <meter id="audio-mic-meter" min="0" max="100" low="60" high="90" optimum="50" value="0"></meter></div>
      <p id="audio-mic-words" class="reason"></p>
    </div>
    <p class="audio-actions">
      <button type="button" id="audio-mute" class="secondary" aria-pressed="false" hidden>Mute</button>
      <button type="button" id="audio-use-mic" class="secondary" hidden data-i18n="audio.phone.use_mic">Use my microphone</button>
      <button type="button" id="audio-leave" class="secondary" data-i18n="audio.phone.leave">Leave audio</button>
    </p>
  </div>
  <p class="error-text" id="audio-error" role="alert"></p>
  <section id="audio-captions" class="audio-captions" hidden aria-labelledby="audio-captions-heading">
    <h4 id="audio-captions-heading" class="audio-captions-heading" data-i18n="audio.captions">Captions</h4>
    <ol id="audio-caption-lines" class="audio-caption-lines" aria-live="polite" aria-relevant="additions"></ol>
    <p id="audio-no-captions" class="reason" data-i18n="audio.phone.no_captions">No captions on this channel yet.</p>
  </section>
  <p id="audio-screen-off" class="reason audio-screen-off" hidden data-i18n="audio.phone.screen_off">Screen off: the sound keeps playing on
    most Android phones. On an iPhone keep this page in front (the sound stops if another app plays).</p>
  <audio id="audio-out" playsinline></audio>`;

let ctx = null;      // {socket, act}
let peer = null;
let view = null;     // phone.audio
let captions = {};   // live.audio.captions
let title = "";
let roomId = "";     // the breakout room this phone is in ("" in the plenary)
let roomName = "";
let speaking = false;
let listen = "";     // "" (the floor, or the room) or a channel id
let listenKey = "";

export function initAudio({ socket, act }) {
  ctx = { socket, act };
  const code = decodeURIComponent(location.pathname.split("/").pop()).toUpperCase();
  listenKey = `plaza.listen.${code}`;
  listen = localStorage.getItem(listenKey) || "";
  const card = el("section", { id: "audio", class: "card audio", hidden: true, "aria-labelledby": "audio-heading" });
  card.innerHTML = CARD;  // fixed markup: names and captions are set as text below
  $("#audio-home").append(card);
  translatePage(card);
  // Listening in the plenary: the channel, the floor and a remote speaker at most.  With a
  // microphone or in a breakout room, everyone in the room may be heard: all eight.
  peer = new AudioPeer(socket, {
    output: "element", element: $("#audio-out"), slotsWanted: ({ mic }) => (mic || roomId ? 8 : 3),
  });
  peer.gainFor = (slot) => (listen && slot && slot.kind !== "channel" ? floorShare() : 1);
  peer.addEventListener("change", draw);
  let queued = false;
  peer.addEventListener("level", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; levels(); });
  });
  socket.addEventListener("message", ({ detail: message }) => {
    // The server keeps the choice per connection: say it again on every new one.
    if (message.type === "welcome" && listen && message.participant) sendListen(listen);
  });
  const floor = $("#audio-floor");
  floor.value = localStorage.getItem(`${listenKey}.floor`) ?? "30";
  floor.addEventListener("input", () => {
    localStorage.setItem(`${listenKey}.floor`, floor.value);
    floorWords();
    peer.applyGains();
  });
  floorWords();
  $("#audio-listen").addEventListener("click", () => start(false));
  $("#audio-join").addEventListener("click", () => start(true));
  $("#audio-use-mic").addEventListener("click", async () => {
    $("#audio-error").textContent = "";
    await peer.useMic(true);
  });
  $("#audio-mute").addEventListener("click", () => peer.setMuted(!peer.muted));
  $("#audio-leave").addEventListener("click", () => {
    peer.stop();
    setPlaying(false);
  });
  $("#audio-channel").addEventListener("change", (event) => choose(event.target.value));
  onLanguageChange(() => {
    floorWords();
    draw();
    if (peer.on) setPlaying(true);  // the lock screen in the new language too
  });
}

const floorShare = () => Number($("#audio-floor").value) / 100;
const floorWords = () => setText($("#audio-floor-value"), t("audio.percent", { n: Number($("#audio-floor").value) }));

async function start(mic) {
  $("#audio-error").textContent = "";
  if (listen) await sendListen(listen);
  await peer.start({ mic });
  setPlaying(peer.on);
}

async function sendListen(channel) {
  return ctx.act("audio_listen", { channel }, $("#audio-error"));
}

async function choose(channel) {
  const before = listen;
  listen = channel;
  localStorage.setItem(listenKey, channel);
  peer.applyGains();
  draw();
  if (peer.on) setPlaying(true);  // the lock screen names the new choice
  if (!(await sendListen(channel)) && listen === channel) {
    listen = before;
    localStorage.setItem(listenKey, before);
    peer.applyGains();
    draw();
  }
}

/** Media Session: the lock screen names what plays, and its pause button leaves audio. */
function setPlaying(on) {
  if (!("mediaSession" in navigator)) return;
  try {
    if (on) {
      const channel = channels().find((c) => c.id === listen);
      navigator.mediaSession.metadata = new MediaMetadata({
        title: channel ? t("audio.phone.session.channel", { name: channel.name })
          : roomId ? roomName || t("audio.phone.session.room") : t("audio.phone.session.floor"),
        artist: title || "Plaza",
        album: "Plaza",
      });
      navigator.mediaSession.setActionHandler("pause", () => { peer.stop(); setPlaying(false); });
      navigator.mediaSession.setActionHandler("stop", () => { peer.stop(); setPlaying(false); });
    }
    navigator.mediaSession.playbackState = on ? "playing" : "none";
  } catch { /* some browsers have the object but not every action */ }
}

/** The channels this phone may listen to: those of the room it is in (the plenary's in the plenary). */
function channels() {
  return (view?.channels || []).filter((c) => (c.room || "") === roomId);
}

export function renderAudio(phone, me, live) {
  if (!peer) return;
  view = phone.audio || null;
  captions = live?.audio?.captions || {};
  title = phone.title || "";
  // The room the server routes this phone's sound in (m.room_of): a breakout room, the Open Space
  // circle it checked in to, or its café table.
  roomId = (me.rooms ? me.rooms.room : me.openspace?.checked_in || me.cafe?.seat?.table) || "";
  roomName = me.rooms?.name || "";
  speaking = Boolean(me.speaking);
  peer.reslot();  // sent to a room, or called back: the slots it needs there
  draw();
}

function draw() {
  const card = $("#audio");
  const media = Boolean(view && view.media !== false && peer.media !== false);
  const offered = channels();
  // Audio off on this server: nothing to hear, but a channel's captions still help.
  card.hidden = !view || (!media && !offered.length);
  if (card.hidden) {
    if (peer.on) peer.stop();
    return;
  }
  if (listen && !offered.some((c) => c.id === listen)) {  // moved rooms, or the channel was removed
    listen = "";
    peer.applyGains();
    if (ctx.socket.connected) sendListen("");
  }
  const here = roomId ? (roomName ? t("audio.phone.this_room_named", { room: roomName }) : t("audio.phone.this_room"))
    : t("audio.phone.the_floor");
  // Audio off on the server: the choice is only whose captions to read.
  setText($("#audio-choose label"), media ? t("audio.phone.listen_to") : t("audio.captions"));
  const options = [{ id: "", label: media ? here : t("audio.phone.no_captions_option"), note: "" },
    ...offered.map((c) => ({ id: c.id, label: c.language ? `${c.name} (${c.language})` : c.name,
      note: !media ? "" : c.live ? t("audio.phone.channel_live") : t("audio.phone.channel_silent") }))];
  const select = $("#audio-channel");
  const signature = options.map((o) => `${o.id}:${o.label}:${o.note}`).join("\n");
  if (select.dataset.options !== signature) {
    select.dataset.options = signature;
    select.replaceChildren(...options.map((o) => el("option", { value: o.id }, o.note ? `${o.label} · ${o.note}` : o.label)));
  }
  if (select.value !== listen) select.value = listen;
  $("#audio-choose").hidden = options.length < 2;
  $("#audio-intro").hidden = !media;
  setText($("#audio-intro"), offered.length ? t("audio.phone.intro_channels") : t("audio.phone.intro"));
  setText($("#audio-join-help"), micPossible() ? t("audio.phone.join_help")
    : t("audio.phone.join_help_insecure", { why: t("audio.error.insecure") }));
  const on = peer.on;
  $("#audio-mix").hidden = !listen || !media;
  $("#audio-off").hidden = on || !media;
  $("#audio-on").hidden = !on;
  $("#audio-screen-off").hidden = !on;
  drawCaptions();
  showEngineError();
  if (!on) return;
  const channel = offered.find((c) => c.id === listen);
  const connected = () => (channel ? t(channel.live ? "audio.phone.listening" : "audio.phone.listening_silent", { name: channel.name })
    : roomId ? (roomName ? t("audio.phone.hear_room", { room: roomName }) : t("audio.phone.hear_your_room"))
      : t("audio.phone.hear_floor"));
  const state = peer.state;
  setText($("#audio-state"), state === "connected" ? connected()
    : ["starting", "connecting", "reconnecting"].includes(state) ? t(`audio.state.${state}`) : "");
  const heard = peer.slots.map((slot, i) => ({ slot, i })).filter((s) => s.slot);
  keyed($("#audio-heard"), heard, (s) => s.i, (s) => {
    const id = `audio-slot-${s.i}`;
    return el("li", { class: "audio-meter-row" }, el("label", { for: id }),
      el("meter", { id, min: 0, max: 100, low: 60, high: 90, optimum: 50, value: 0 }));
  }, (li, s) => {
    setText(li.firstChild, slotName(s.slot));
    li.firstChild.dataset.speaking = t("audio.speaking");  // (CSS shows it after the name while they speak)
  });
  const mic = peer.hasMic;
  $("#audio-me").hidden = !mic;
  $("#audio-mute").hidden = !mic;
  $("#audio-use-mic").hidden = mic || !micPossible();
  const mute = $("#audio-mute");
  mute.setAttribute("aria-pressed", String(peer.muted));
  setText(mute, peer.muted ? t("audio.phone.unmute") : t("audio.phone.mute"));
  setText($("#audio-mic-words"), peer.muted ? t("audio.phone.muted")
    : roomId ? (roomName ? t("audio.phone.room_hears_you", { room: roomName }) : t("audio.phone.your_room_hears_you"))
      : speaking ? t("audio.phone.floor_hears_you") : t("audio.phone.heard_when_given"));
  levels();
}

let engineSaid = "";  // the engine's last error on show (a refused audio_listen also writes to this line)

function showEngineError() {
  const line = $("#audio-error");
  const text = audioErrorText(peer.error);
  if (text) setText(line, text);
  else if (line.textContent === engineSaid) setText(line, "");  // over: take it away, not someone else's words
  engineSaid = text;
}

function drawCaptions() {
  const box = $("#audio-captions");
  box.hidden = !listen;
  if (!listen) return;
  const lines = captions[listen] || [];
  $("#audio-no-captions").hidden = lines.length > 0;
  keyed($("#audio-caption-lines"), lines, (c) => `${c.at}:${c.text}`, () => el("li"), (li, c) => setText(li, c.text));
}

function levels() {
  for (const li of $("#audio-heard").children) {
    const level = peer.levels[Number(li.dataset.key)] ?? SILENT_DB;
    updateMeter(li.lastChild, level);
    li.classList.toggle("speaking", level > SPEAKING_DB);
  }
  if (peer.hasMic) updateMeter($("#audio-mic-meter"), peer.micLevel);
}
