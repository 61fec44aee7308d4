// A breakout room's device (a laptop or tablet on the table): view-only, read from a few metres.
// It shows the room's question, its countdowns, who speaks and who is next, the facilitator's
// broadcast, who is here, and a QR code that joins a phone straight into this room.
// In an Open Space the same page is a space's device (its link names the space, s2): it shows the
// topic circle meeting there now, whose QR joins and checks a phone in to it, and between circles
// what meets there next.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, keyed, keepAwake, fullscreenButton } from "/static/shared/socket.js";
import { initRoomAudio, renderRoomAudio } from "/static/room/audio.js";

const [meetingId, roomId] = location.pathname.split("/").slice(-2).map(decodeURIComponent);
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "room", meeting: meetingId, room: roomId, key }));
showStatus(socket, $("#connection"));
fullscreenButton($("#fullscreen"));
keepAwake();
let qrOf = "";

function setQr(room) {  // the QR joins the room (or the circle) shown now: it changes with the slot
  if (!room || room === qrOf) return;
  qrOf = room;
  $("#qr").src = `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg?room=${encodeURIComponent(room)}`;
}

const FRESH_SECONDS = 120;  // a broadcast this recent is shown loud
const NOTES_SHOWN = 8;
let view = null;
let broadcastSeen;
let returnSeen;

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "room") {
    view = message.data;
    render();
    renderRoomAudio(view);
  }
  if (message.type === "error" && ["bad_key", "unknown_room", "unknown_meeting"].includes(message.code)) {
    socket.stop();
    problem(message.code === "bad_key"
      ? "The key in this link is wrong or missing (the part after #key=)."
      : message.code === "unknown_room" ? "There is no such room in this meeting." : "There is no such meeting.");
  }
});

function problem(text) {
  document.body.classList.add("broken");
  $("#room").hidden = true;
  $("#closed").hidden = true;
  $("#problem").hidden = false;
  $("#problem-text").textContent = text;
  document.title = "Room link not valid — Plaza";
}

function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

function hhmm(epochSeconds) {
  return TIME.format(new Date(epochSeconds * 1000));
}

/** A space's device between circles: what meets here next, and the theme. */
function renderBetween() {
  document.title = `${view.space} — Plaza Open Space`;
  $("#room").hidden = true;
  $("#closed").hidden = true;
  $("#between").hidden = false;
  $("#between-space").textContent = `Open Space · ${view.space}`;
  const next = view.next;
  $("#between-heading").textContent = "No topic circle here now";
  $("#between-next").textContent = next
    ? `Next here, ${hhmm(next.start)}–${hhmm(next.end)}: ${next.title}` + (next.convener ? ` (convened by ${next.convener})` : "")
    : "Nothing else is on the wall for this space.";
  $("#between-theme").textContent = view.question || "";
  $("#between-theme").hidden = !view.question;
}

function render() {
  if (!view) return;
  const circle = Boolean(view.circle);
  if (circle && !view.room) { renderBetween(); return; }
  if (!view.room) return;
  $("#between").hidden = true;
  const cafe = Boolean(view.cafe);  // a World Café table: between rounds it stays open (people change tables)
  const closed = view.closed || (view.ended && !cafe);
  document.title = circle ? `${view.name} — Plaza topic circle` : `${view.name} — Plaza room`;
  $("#problem").hidden = true;
  $("#room").hidden = closed;
  $("#closed").hidden = !closed;
  if (closed) {
    $("#closed-name").textContent = view.name;
    $("#closed-heading").textContent = circle
      ? "This topic circle has ended" : cafe ? "The café's rounds are over: the harvest comes next"
        : "This room is closed — everyone is back in the plenary";
    $("#closed-report").textContent = view.rapporteur
      ? `${view.rapporteur.name} reports back for ${view.name}.` : "";
    return;
  }
  setQr(view.room);
  const where = circle ? "circle" : cafe ? "table" : "room";
  $("#kicker").textContent = circle
    ? ["Topic circle", view.space, view.next ? `then ${view.next.title} at ${hhmm(view.next.start)}` : ""].filter(Boolean).join(" · ")
    : cafe ? `World Café · table ${view.number} · round ${view.round} of ${view.rounds}${view.ended ? " next" : ""}`
      : `Breakout room ${view.number} · round ${view.round}`;
  $("#name").textContent = view.name;
  $("#scan").textContent = circle ? "Scan to join and check in here" : `Scan to join this ${where}`;
  $("#qr").alt = `QR code to join this ${where}`;
  $("#people-label").textContent = `In this ${where}`;
  $("#floor-hint").textContent = `Raise your hand on your phone; anyone in the ${where} can call the next speaker.`;
  const here = circle ? view.headcount : view.people.filter((p) => p.present).length;
  $("#count").textContent = here;
  $("#count-label").textContent = circle ? (here === 1 ? "person checked in" : "people checked in")
    : (here === 1 ? "person here" : "people here") +
    (view.people.length > here ? ` · ${view.people.length - here} away` : "");
  $("#question").textContent = view.question || "";
  $("#question").hidden = !view.question;
  $("#join-url").textContent = view.join_url.replace(/^https?:\/\//, "");

  renderBroadcast();
  renderFloor(view.stack);
  renderPeople();
  renderNotes();
  tick();
  fit();
  if (view.return_at && returnSeen !== view.return_at) {
    if (returnSeen !== undefined) announce("Everyone is called back to the plenary.");
    returnSeen = view.return_at;
  }
}

function renderBroadcast() {
  $("#broadcast").hidden = !view.broadcast;
  if (!view.broadcast) return;
  $("#broadcast-text").textContent = view.broadcast;
  if (broadcastSeen !== undefined && broadcastSeen !== view.broadcast_at) {
    announce(`Message from the facilitator: ${view.broadcast}`);
  }
  broadcastSeen = view.broadcast_at;
}

let fitLevel = 0;
const FIT_MAX = 6;  // room.css has a type size for each level
let lastShape = "";

function renderFloor(stack) {
  const speaker = stack.speaker;
  $("#speaker").textContent = speaker ? speaker.name : "Nobody";
  $("#speaker-kind").textContent = speaker ? speaker.label : stack.waiting ? "Call the next speaker from a phone" : "";
  $("#waiting").textContent = stack.waiting ? `(${stack.waiting} waiting)` : "";
  const next = stack.next.slice(0, fitLevel >= 5 ? 2 : fitLevel >= 3 ? 3 : stack.next.length);
  const more = stack.waiting - next.length;
  $("#next").replaceChildren(...next.map((n) => el("li", {},
    el("span", { class: "who" }, n.name), el("span", { class: n.kind === "new" ? "kind" : "kind priority" }, n.label))),
  ...(more > 0 ? [el("li", { class: "more" }, `and ${more} more`)] : []));
  $("#floor-hint").hidden = Boolean(stack.waiting || speaker);
  $("#next").hidden = !stack.waiting;
}

function renderPeople() {
  const rapporteur = view.rapporteur;
  $("#rapporteur").textContent = view.cafe ? "This table has no host." : "Nobody reports back yet.";
  $("#rapporteur").hidden = Boolean(rapporteur);
  keyed($("#people"), view.people, (p) => p.id,
    () => el("li", {}, el("span", { class: "who" }), el("span", { class: "tag" })),
    (li, p) => {
      li.classList.toggle("away", !p.present);
      li.classList.toggle("reports", p.rapporteur);
      li.children[0].textContent = p.name;
      const role = p.rapporteur ? (view.cafe ? "table host" : "reports back") : p.new ? "new here" : "";
      li.children[1].textContent = [role, p.present ? "" : "away"].filter(Boolean).join(" · ");
    });
}

function renderNotes() {
  const notes = view.notes.slice(-NOTES_SHOWN);
  $("#notes-box").hidden = !notes.length;
  keyed($("#notes"), notes, (n) => n.note,
    (n) => el("li", {}, el("span", { class: "note-text" }), el("span", { class: "by" }, ` — ${n.by}`)),
    (li, n) => { li.children[0].textContent = (n.strong ? "★ " : "") + n.text; });  // a café host's strongest
}

function tick() {
  if (!view || !view.room || view.closed || (view.ended && !view.cafe)) return;
  const returning = Boolean(view.return_at);
  $("#return").hidden = !returning;
  $("#clock").hidden = returning;
  document.body.classList.toggle("returning", returning);
  if (returning) {
    $("#return-countdown").textContent = clock(Math.max(0, secondsLeft(socket, view.return_at)));
  } else if (view.cafe && view.ended) {  // between café rounds: the next one, or who is coming
    const left = view.next_at && !view.paused ? Math.max(0, secondsLeft(socket, view.next_at)) : null;
    $("#countdown").textContent = left === null ? "" : clock(left);
    $("#clock-words").textContent = left === null ? "Change tables: hosts stay. The facilitator starts the next round."
      : `until round ${view.round} starts. Change tables: hosts stay.`;
    $("#clock").classList.remove("warn");
  } else {
    const left = secondsLeft(socket, view.ends_at);
    $("#countdown").textContent = left > 0 ? clock(left) : "Time's up";
    $("#clock-words").textContent = view.circle
      ? (left > 0 ? "left in this slot" : "the slot is over")
      : (left > 0 ? "left in this round" : "the facilitator will call everyone back");
    $("#clock").classList.toggle("warn", left <= 60);
  }
  const fresh = Boolean(view.broadcast_at && secondsLeft(socket, view.broadcast_at + FRESH_SECONDS) > 0);
  $("#broadcast").classList.toggle("fresh", fresh);
  const shape = `${returning} ${fresh}`;
  if (shape !== lastShape) {  // the stage changed size: fit it again
    lastShape = shape;
    fit();
  }
  const speaker = view.stack.speaker;
  const countdown = $("#speaker-countdown");
  if (speaker && speaker.deadline) {
    const left = secondsLeft(socket, speaker.deadline);
    countdown.textContent = left < 0 ? `over by ${clock(-left)}` : clock(left);
    countdown.classList.toggle("over", left < 0);
  } else {
    countdown.textContent = "";
  }
}
setInterval(tick, 500);

/** Long questions and broadcasts must not push the floor off the screen: step the type down until it fits. */
function fit() {
  if (!view || $("#room").hidden) return;
  const stage = $(".stage");
  for (fitLevel = 0; fitLevel <= FIT_MAX; fitLevel++) {
    $("#room").dataset.fit = String(fitLevel);
    renderFloor(view.stack);
    if (stage.scrollHeight <= stage.clientHeight + 1) break;
  }
  fitLevel = Math.min(fitLevel, FIT_MAX);
  // Who is here: two columns if every name is short, then as many whole names as fit and "+N more".
  const people = $(".people-box");
  const who = [...$("#people").children];
  people.classList.toggle("two", who.length > 8 && view.people.every((p) => p.name.length <= 16));
  for (const li of who) li.hidden = false;
  $("#people-more").hidden = true;
  let hidden = 0;
  const unlisted = view.circle ? Math.max(0, view.headcount - view.people.length) : 0;  // beyond the 40 sent
  const more = (n) => {
    $("#people-more").hidden = !n;
    $("#people-more").textContent = `+${n} more in this ${view.circle ? "circle" : "room"}`;
  };
  more(unlisted);
  for (let i = who.length - 1; i >= 0 && people.scrollHeight > people.clientHeight + 1; i--) {
    who[i].hidden = true;
    hidden += 1;
    more(hidden + unlisted);
  }
  // Notes: the newest that fit, whole; the oldest give way.
  const notes = $("#notes");
  const items = [...notes.children];
  for (const li of items) li.hidden = false;
  let used = items.reduce((sum, li) => sum + li.offsetHeight, 0);
  for (const li of items) {
    if (used <= notes.clientHeight + 1) break;
    used -= li.offsetHeight;
    li.hidden = true;
  }
  $("#notes-box").classList.toggle("squeezed", items.every((li) => li.hidden));
}
window.addEventListener("resize", fit);

initRoomAudio({ socket });
if (!key) problem("This link has no key (the part after #key=). Open the room's full link from the facilitator's console.");
else socket.connect();
