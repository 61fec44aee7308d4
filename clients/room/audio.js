// A room's device with audio on: the table's microphone and speakers for the remote people in the
// room.  "Room audio" (a toggle; one device per room: a second one is refused, because two speakers
// in one room make feedback, and the page says so plainly), a level meter per remote person heard,
// and "Mute the room".  Kept small: the device's screen is for the room's question and its stack.
//
// room.js calls initRoomAudio() once and renderRoomAudio(view) with every room view.  The words are
// the audio catalogue's (clients/i18n/audio/), worded again when the device's language changes.
import { el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { AudioPeer, SILENT_DB, micPossible, slotName, updateMeter, audioErrorText } from "/static/shared/audio.js";
import { t, translatePage, onLanguageChange } from "/static/shared/i18n.js";

const SPEAKING_DB = -45;

const PANEL = `
  <h2 class="visually-hidden" id="ra-label" data-i18n="audio.room.audio">Room audio</h2>
  <p id="ra-state" class="ra-state" aria-live="polite"></p>
  <p id="ra-refused" class="ra-refused" role="alert" hidden></p>
  <ul id="ra-heard" class="ra-heard" aria-label="Remote people heard in this room" data-i18n-attr="aria-label:audio.room.heard"></ul>
  <p id="ra-none" class="ra-none" hidden data-i18n="audio.room.none">No remote person in this room yet.</p>
  <div class="ra-mic" id="ra-mic"><label for="ra-mic-meter" data-i18n="audio.room.mic">Room mic</label>
    <meter id="ra-mic-meter" min="0" max="100" low="60" high="90" optimum="50" value="0"></meter></div>`;

let peer = null;
let open = false;  // the room is open (audio makes sense)
let height = 0;    // the panel's height last time: room.js fits the side column again when it changes

export function initRoomAudio({ socket }) {
  const toggle = el("button", { type: "button", id: "ra-toggle", class: "secondary small", "aria-pressed": "false", hidden: true },
    t("audio.room.audio"));
  const mute = el("button", { type: "button", id: "ra-mute", class: "small", "aria-pressed": "false", hidden: true }, t("audio.room.mute"));
  $("#audio-toggle-home").append(toggle, mute);
  const panel = el("section", { id: "room-audio", class: "room-audio", hidden: true, "aria-labelledby": "ra-label" });
  panel.innerHTML = PANEL;
  translatePage(panel);
  $("#audio-home").append(panel);
  peer = new AudioPeer(socket);
  peer.addEventListener("change", draw);
  let queued = false;
  peer.addEventListener("level", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; levels(); });
  });
  toggle.addEventListener("click", async () => {
    if (peer.on) peer.stop();
    else await peer.start({ mic: true });
    draw();
  });
  $("#ra-mute").addEventListener("click", () => peer.setMuted(!peer.muted));
  onLanguageChange(draw);
}

export function renderRoomAudio(view) {
  if (!peer) return;
  open = Boolean(view && view.room && !view.closed && !(view.ended && !view.cafe));
  if (!open && peer.on) peer.stop();
  draw();
}

function draw() {
  const toggle = $("#ra-toggle");
  const media = peer.media === true;
  toggle.hidden = !media || !open;
  const on = peer.on;
  toggle.setAttribute("aria-pressed", String(on));
  // Toggle buttons keep their name; aria-pressed (green when pressed) says whether it is on.
  setText(toggle, t("audio.room.audio"));
  toggle.title = on ? t("audio.room.on_title") : t("audio.room.off_title");
  const refused = !on && peer.error;  // refused (a second device), or no microphone: said in the panel
  const panel = $("#room-audio");
  panel.hidden = !(on || refused) || !open;
  $("#ra-refused").hidden = !refused;
  setText($("#ra-refused"), refused ? audioErrorText(peer.error) : "");
  panel.classList.toggle("refused", Boolean(refused));
  // Said only when it matters: connected and unmuted, the green toggle says it all.
  const state = peer.state;
  setText($("#ra-state"), !on ? ""
    : state === "connected" ? (peer.muted ? t("audio.room.muted") : "")
      : ["starting", "connecting", "reconnecting"].includes(state) ? t(`audio.state.${state}`) : "");
  if (on && peer.error && !refused) setText($("#ra-state"), audioErrorText(peer.error));
  $("#ra-state").hidden = !$("#ra-state").textContent;
  if (!micPossible() && !on) toggle.title = t("audio.error.insecure");  // (said in the panel once pressed)
  const heard = peer.slots.map((slot, i) => ({ slot, i })).filter((s) => s.slot && s.slot.kind !== "device");
  keyed($("#ra-heard"), on ? heard : [], (s) => s.i, (s) => {
    const id = `ra-slot-${s.i}`;
    return el("li", {}, el("label", { for: id }), el("meter", { id, min: 0, max: 100, low: 60, high: 90, optimum: 50, value: 0 }));
  }, (li, s) => setText(li.firstChild, slotName(s.slot)));
  $("#ra-none").hidden = !on || heard.length > 0;
  $("#ra-mute").hidden = !on || !peer.hasMic;
  $("#ra-mic").hidden = !on || !peer.hasMic;
  $("#ra-mute").setAttribute("aria-pressed", String(peer.muted));
  setText($("#ra-mute"), t("audio.room.mute"));
  levels();
  const now = panel.hidden ? 0 : panel.getBoundingClientRect().height;
  if (now !== height) {  // who is here and the notes get what is left: let room.js fit them again
    height = now;
    requestAnimationFrame(() => dispatchEvent(new Event("resize")));
  }
}

function levels() {
  for (const li of $("#ra-heard").children) {
    const level = peer.levels[Number(li.dataset.key)] ?? SILENT_DB;
    updateMeter(li.lastChild, level);
    li.classList.toggle("speaking", level > SPEAKING_DB);
  }
  if (peer.hasMic) updateMeter($("#ra-mic-meter"), peer.micLevel);
}
