// A breakout room's device (a laptop or tablet on the table): view-only, read from a few metres.
// It shows the room's question, its countdowns, who speaks and who is next, the facilitator's
// broadcast, who is here, and a QR code that joins a phone straight into this room.
// In an Open Space the same page is a space's device (its link names the space, s2): it shows the
// topic circle meeting there now, whose QR joins and checks a phone in to it, and between circles
// what meets there next.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, keyed, keepAwake, fullscreenButton } from "/static/shared/socket.js";
import { initRoomAudio, renderRoomAudio } from "/static/room/audio.js";
import {
  t, tn, serverText, language, loadCatalogues, translatePage, languagePicker, onLanguageChange, timeLocales,
} from "/static/shared/i18n.js";

// Words come from the room catalogue (clients/i18n/room/) in the device's language, with a picker in the
// header; names, questions, notes and broadcasts are people's own words, shown as written and isolated.
await loadCatalogues(["common", "server", "room", "audio"]);
$("#language-slot").append(languagePicker({ id: "language", visibleLabel: false }));
if (language() !== "en") translatePage(document);  // English is the page as written

const [meetingId, roomId] = location.pathname.split("/").slice(-2).map(decodeURIComponent);
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "room", meeting: meetingId, room: roomId, key }));
showStatus(socket, $("#connection"));
fullscreenButton($("#fullscreen"));
// socket.js words the full-screen button in English; this words it again in the device's language.
const fullscreenWords = () => {
  $("#fullscreen").textContent = t(document.fullscreenElement ? "room.fullscreen_exit" : "room.fullscreen");
};
document.addEventListener("fullscreenchange", fullscreenWords);
fullscreenWords();
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
    problem(`room.problem.${message.code}`);
  }
});

let problemKey = "";

function problem(key) {
  problemKey = key;
  document.body.classList.add("broken");
  $("#room").hidden = true;
  $("#closed").hidden = true;
  $("#problem").hidden = false;
  $("#problem-text").textContent = t(key);
  document.title = t("room.doc.problem");
}

function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

function hhmm(epochSeconds) {
  const locales = timeLocales();
  return new Intl.DateTimeFormat(locales.length ? locales : undefined, { hour: "2-digit", minute: "2-digit" })
    .format(new Date(epochSeconds * 1000));
}

/** A space's device between circles: what meets here next, and the theme. */
function renderBetween() {
  document.title = t("room.doc.space", { space: view.space });
  $("#room").hidden = true;
  $("#closed").hidden = true;
  $("#between").hidden = false;
  $("#between-space").textContent = t("room.between.space", { space: view.space });
  const next = view.next;
  $("#between-heading").textContent = t("room.between.heading");
  $("#between-next").textContent = next
    ? t(next.convener ? "room.between.next_by" : "room.between.next",
      { start: hhmm(next.start), end: hhmm(next.end), title: next.title, convener: next.convener })
    : t("room.between.nothing");
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
  document.title = t(circle ? "room.doc.circle" : "room.doc.room", { name: view.name });
  $("#problem").hidden = true;
  $("#room").hidden = closed;
  $("#closed").hidden = !closed;
  if (closed) {
    $("#closed-name").textContent = view.name;
    $("#closed-heading").textContent = t(circle ? "room.closed.circle" : cafe ? "room.closed.cafe" : "room.closed.room");
    $("#closed-report").textContent = view.rapporteur
      ? t("room.closed.report", { name: view.rapporteur.name, room: view.name }) : "";
    return;
  }
  setQr(view.room);
  const where = circle ? "circle" : cafe ? "table" : "room";
  const isolate = (text) => t("room.isolate", { text });  // a name inside a line of words keeps its direction
  $("#kicker").textContent = circle
    ? [t("room.kicker.circle"), view.space && isolate(view.space),
      view.next ? t("room.kicker.then", { title: view.next.title, time: hhmm(view.next.start) }) : ""].filter(Boolean).join(" · ")
    : cafe ? t(view.ended ? "room.kicker.cafe_next" : "room.kicker.cafe", { number: view.number, round: view.round, rounds: view.rounds })
      : t("room.kicker.room", { number: view.number, round: view.round });
  $("#name").textContent = view.name;
  $("#scan").textContent = t(`room.scan.${where}`);
  $("#qr").alt = t(`room.qr.${where}`);
  $("#people-label").textContent = t(`room.people.${where}`);
  $("#floor-hint").textContent = t(`room.hint.${where}`);
  const here = circle ? view.headcount : view.people.filter((p) => p.present).length;
  $("#count").textContent = here;
  $("#count-label").textContent = circle ? tn("room.checked_in", here)
    : tn("room.here", here) + (view.people.length > here ? ` · ${tn("room.away", view.people.length - here)}` : "");
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
    if (returnSeen !== undefined) announce(t("room.announce.back"));
    returnSeen = view.return_at;
  }
}

function renderBroadcast() {
  $("#broadcast").hidden = !view.broadcast;
  if (!view.broadcast) return;
  $("#broadcast-text").textContent = view.broadcast;
  if (broadcastSeen !== undefined && broadcastSeen !== view.broadcast_at) {
    announce(t("room.announce.broadcast", { text: view.broadcast }));
  }
  broadcastSeen = view.broadcast_at;
}

let fitLevel = 0;
const FIT_MAX = 6;  // room.css has a type size for each level
let lastShape = "";

function renderFloor(stack) {
  const speaker = stack.speaker;
  $("#speaker").textContent = speaker ? speaker.name : t("room.floor.nobody");
  $("#speaker-kind").textContent = speaker ? kindLabel(speaker) : stack.waiting ? t("room.floor.call") : "";
  $("#waiting").textContent = stack.waiting ? tn("room.floor.waiting", stack.waiting) : "";
  const next = stack.next.slice(0, fitLevel >= 5 ? 2 : fitLevel >= 3 ? 3 : stack.next.length);
  const more = stack.waiting - next.length;
  $("#next").replaceChildren(...next.map((n) => el("li", {},
    el("span", { class: "who" }, n.name), el("span", { class: n.kind === "new" ? "kind" : "kind priority" }, kindLabel(n)))),
  ...(more > 0 ? [el("li", { class: "more" }, tn("room.floor.more", more))] : []));
  $("#floor-hint").hidden = Boolean(stack.waiting || speaker);
  $("#next").hidden = !stack.waiting;
}

/** A kind of entry (new point, direct response…) in the device's language, else the server's English label. */
function kindLabel(entry) {
  return serverText(entry.kind ? `server.kind.${entry.kind}` : "", {}, entry.label);
}

function renderPeople() {
  const rapporteur = view.rapporteur;
  $("#rapporteur").textContent = t(view.cafe ? "room.rapporteur.no_host" : "room.rapporteur.none");
  $("#rapporteur").hidden = Boolean(rapporteur);
  keyed($("#people"), view.people, (p) => p.id,
    () => el("li", {}, el("span", { class: "who" }), el("span", { class: "tag" })),
    (li, p) => {
      li.classList.toggle("away", !p.present);
      li.classList.toggle("reports", p.rapporteur);
      li.children[0].textContent = p.name;
      const role = p.rapporteur ? t(view.cafe ? "room.tag.host" : "room.tag.reports") : p.new ? t("room.tag.new") : "";
      li.children[1].textContent = [role, p.present ? "" : t("room.tag.away")].filter(Boolean).join(" · ");
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
    $("#clock-words").textContent = left === null ? t("room.clock.change_tables") : t("room.clock.until_round", { round: view.round });
    $("#clock").classList.remove("warn");
  } else {
    const left = secondsLeft(socket, view.ends_at);
    $("#countdown").textContent = left > 0 ? clock(left) : t("room.clock.up");
    $("#clock-words").textContent = t(view.circle
      ? (left > 0 ? "room.clock.left_slot" : "room.clock.slot_over")
      : (left > 0 ? "room.clock.left_round" : "room.clock.call_back"));
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
    countdown.textContent = left < 0 ? t("room.clock.over_by", { time: clock(-left) }) : clock(left);
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
    $("#people-more").textContent = t(view.circle ? "room.more.circle" : "room.more.room", { count: n });
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

onLanguageChange(() => {
  fullscreenWords();
  if (problemKey) problem(problemKey);
  else render();
});

initRoomAudio({ socket });
if (!key) problem("room.problem.no_key");
else socket.connect();
