// The big screen as the floor device, and the captions bar.
//
// "Floor audio" makes the laptop behind the big screen the hall's sound: its microphone input (the
// floor mic, or the mixing desk) becomes the floor that remote participants and interpreters hear,
// and remote speakers given the floor come out of its speakers (the PA).  The toggle sits under the
// full-screen button and, like it, is out of sight once the mouse rests, unless audio needs the
// operator (reconnecting, refused); Tab reaches it at any time.
//
// The captions bar shows the last two lines of the channel the facilitator chose, at the bottom,
// big enough to read from the back of the hall.  The page's layout shrinks by the bar's height
// (body.captioned, screen/audio.css) so the bar never covers the QR or anything else, and the
// page's own fitting runs again (a resize event).
//
// screen.js calls initScreenAudio() once and renderScreenAudio(view) with every screen view (and again
// when the screen's languages change): the words are the audio catalogue's, in the screen's words (w).
import { el, $ } from "/static/shared/socket.js";
import { setText } from "/static/shared/render.js";
import { AudioPeer, micPossible, audioErrorText } from "/static/shared/audio.js";
import { w, has } from "/static/screen/words.js";

let peer = null;
let captionsKey = "";

export function initScreenAudio({ socket }) {
  const toggle = el("button", { type: "button", id: "floor-audio", class: "secondary small", "aria-pressed": "false", hidden: true },
    w("audio.screen.off"));
  const state = el("span", { id: "floor-audio-state", class: "floor-audio-state", role: "status" });
  $("#floor-audio-home").append(toggle, state);
  const bar = el("section", { id: "captions-bar", class: "captions-bar", hidden: true, "aria-label": w("audio.captions") },
    el("p", { id: "captions-channel", class: "captions-channel" }),
    el("div", { id: "captions-lines", class: "captions-lines", "aria-live": "polite" }));
  document.body.append(bar);
  peer = new AudioPeer(socket);
  peer.addEventListener("change", draw);
  toggle.addEventListener("click", async () => {
    if (peer.on) peer.stop();
    else await peer.start({ mic: true });
    draw();
  });
  addEventListener("resize", fitCaptions);
}

function draw() {
  const toggle = $("#floor-audio");
  toggle.hidden = peer.media !== true;
  const on = peer.on;
  toggle.setAttribute("aria-pressed", String(on));
  setText(toggle, w(on ? "audio.screen.on" : "audio.screen.off"));
  const trouble = peer.state === "reconnecting" || peer.error;
  toggle.classList.toggle("trouble", Boolean(trouble));
  const words = !on && peer.error ? audioErrorText(peer.error, w, has)
    : peer.state === "reconnecting" ? w("audio.screen.lost")
      : on && peer.error ? audioErrorText(peer.error, w, has)
        : !micPossible() && !on ? w("audio.error.insecure") : "";
  setText($("#floor-audio-state"), words);
  $("#floor-audio-state").hidden = !words;
}

export function renderScreenAudio(view) {
  if (!peer) return;
  draw();
  const captions = view.audio?.captions || null;
  const lines = (captions?.lines || []).map((line) => (typeof line === "string" ? line : line.text)).filter(Boolean).slice(-2);
  const shown = Boolean(captions);
  const bar = $("#captions-bar");
  const changedShape = bar.hidden === shown;
  bar.hidden = !shown;
  document.body.classList.toggle("captioned", shown);
  const label = w("audio.captions");
  if (bar.getAttribute("aria-label") !== label) bar.setAttribute("aria-label", label);
  if (shown) {
    setText($("#captions-channel"), captions.name || label);
    const key = lines.join("\n");
    if (key !== captionsKey) {
      captionsKey = key;
      const box = $("#captions-lines");
      box.replaceChildren(...(lines.length ? lines : ["…"]).map((text, i, all) =>
        el("p", { class: i === all.length - 1 ? "captions-line newest" : "captions-line" }, text)));
      fitCaptions();
    }
  } else {
    captionsKey = "";
  }
  // The layout above the bar changed height: let the page fit itself again.
  if (changedShape) requestAnimationFrame(() => dispatchEvent(new Event("resize")));
}

/** The lines' type steps down until both fit the bar (a 300-character caption at the back of a hall). */
function fitCaptions() {
  const box = $("#captions-lines");
  if (!box || $("#captions-bar").hidden) return;
  for (const size of [1, 0.88, 0.76, 0.66, 0.58, 0.5, 0.44]) {
    box.style.setProperty("--c", size);
    // (Measured line by line: the lines sit at the bottom, so what overflows goes up, out of scrollHeight.)
    const used = [...box.children].reduce((sum, line) => sum + line.offsetHeight, 0);
    if (used <= box.clientHeight + 1) break;
  }
}
