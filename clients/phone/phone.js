// The attendee's phone: join under a name, then follow the meeting.
import { PlazaSocket, secondsLeft, clock, el, $, clearSent, values, vibrate } from "/static/shared/socket.js";
import { keyed, keepFocus, setText, syncValue } from "/static/shared/render.js";
import {
  t, tn, tnodes, has, errorText, serverText, loadCatalogues, translatePage, languagePicker, onLanguageChange, language,
  timeLocales,
} from "/static/shared/i18n.js";
import { initOpenSpace, renderOpenSpace, tickOpenSpace } from "/static/phone/openspace.js";
import { initCafe, renderCafe, tickCafe } from "/static/phone/cafe.js";
import { initAudio, renderAudio } from "/static/phone/audio.js";
import { showTranslated } from "/static/shared/translated.js";  // texts in the reader's language, when translated

// Words in the reader's language (issue #15): the catalogues come before the first render. The
// server's namespace words stack reasons, rules, outcomes and errors from the keys beside its English
// text (the English stands where a key or a catalogue is missing); audio's is for audio.js.
await loadCatalogues(["common", "server", "phone", "openspace-phone", "cafe-phone", "audio", "translate"]);
translatePage(document);
$("#language-slot").append(languagePicker({ id: "language", visibleLabel: false }));

const code = decodeURIComponent(location.pathname.split("/").pop()).toUpperCase();
const tokenKey = `plaza.token.${code}`;
let me = { status: "guest", participant: null };
let phone = { title: "", present: 0, ended: false, stack: null };
// What moves with every hand and ballot comes in its own view, less often in a big meeting.
let live = { stack: { next: [], waiting: 0 }, vote: null };
// The breakout room this phone is in (sent only while it is in one; may be stale after it leaves).
let roomView = null;
let missing = false;
// Scanned from a room's device: /j/CODE?room=b1-2 puts a newcomer straight into that room.
const scannedRoom = new URLSearchParams(location.search).get("room") || "";

// After 4 s without a word from the meeting, a tap first proves the link with a ping: a tap into
// a silently dead link is refused instead of arriving when it no longer makes sense.
const socket = new PlazaSocket(() => {
  const hello = { role: "phone", code };
  const token = localStorage.getItem(tokenKey);
  if (token) hello.token = token;
  return hello;
}, { proveAfterQuietMs: 4000 });
showConnection();

/** The connection's state in words (socket.js's showStatus, worded from the catalogue), read-only spells included. */
function showConnection() {
  const element = $("#connection");
  let readOnly = null;  // the server's status message while the meeting is read-only
  const render = () => {
    const text = socket.status === "open"
      ? readOnly ? serverText(readOnly.message_key, readOnly.message_params, readOnly.message) : ""
      : has(`common.connection.${socket.status}`) ? t(`common.connection.${socket.status}`) : "";
    element.textContent = text;
    element.hidden = !text;
    element.dataset.status = socket.status;
  };
  socket.addEventListener("status", render);
  socket.addEventListener("message", ({ detail: message }) => {
    if (message.type === "status") {
      readOnly = message.read_only ? message : null;
      render();
    }
    if (message.type === "welcome") {
      readOnly = null;  // a fresh hello: the server re-sends the status if still read-only
      render();
    }
  });
  onLanguageChange(render);
  render();
}

// The server's last error as it came: socket.js rejects a request with its code and message only, and
// the words of error.<code> may need its params (the message event comes just before the rejection).
let lastError = null;
socket.addEventListener("message", ({ detail: message }) => { if (message.type === "error") lastError = message; });

/** A refusal in the reader's language: the socket's own (offline, stale, lost) or the server's error code. */
function refusal(err) {
  if (err.code === "offline") {
    return t(navigator.onLine === false || socket.status === "offline" ? "common.refused.offline" : "common.refused.no_connection");
  }
  if (err.code === "stale" || err.code === "lost") return t(`common.refused.${err.code}`);
  const sent = lastError && lastError.code === err.code && lastError.message === err.message ? lastError : null;
  return errorText({ code: err.code, message: err.message, params: err.params ?? sent?.params });
}

// Back after a drop: what went wrong before it is old news (the state may have moved on since),
// and goes at once; a refusal from while it was down ("Not sent: …") stays a moment to be read.
const REFUSAL_SHOWN_MS = 3000;
let beforeDrop = null;  // the error lines as they were when the connection went (null: it is up)
socket.addEventListener("status", ({ detail: status }) => {
  const errors = [...document.querySelectorAll(".error-text")];
  if (status === "open") {
    if (!beforeDrop) return;
    for (const error of errors) {
      const text = error.textContent;
      if (!text) continue;
      if (beforeDrop.get(error) === text) error.textContent = "";
      else setTimeout(() => { if (error.textContent === text) error.textContent = ""; }, REFUSAL_SHOWN_MS);
    }
    beforeDrop = null;
  } else if (status !== "connecting" && !beforeDrop) {
    beforeDrop = new Map(errors.map((error) => [error, error.textContent]));
  }
});

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "view":
      if (message.view === "phone") phone = message.data;
      if (message.view === "me") me = message.data;
      if (message.view === "live") live = message.data;
      if (message.view === "room") roomView = message.data;
      render();
      break;
    case "error":
      if (message.code === "bad_token") localStorage.removeItem(tokenKey);
      if (message.code === "unknown_meeting") { missing = true; socket.stop(); render(); }
      break;
  }
});

function show(id) {
  for (const section of ["join", "joined", "removed", "ended", "missing"]) {
    $(`#${section}`).hidden = section !== id;
  }
}

function render() {
  renderPage();
  renderAttention();
  keepFocusHome();
}

function renderPage() {
  if (missing) {
    $("#title").textContent = t("phone.missing.title", { code });
    show("missing");
    return;
  }
  $("#title").textContent = phone.title || t("phone.joining");
  const roomName = me.status === "joined" && me.rooms ? `${me.rooms.name} · ` : "";
  document.title = phone.title ? `${roomName}${phone.title} — Plaza` : "Plaza";
  $("#present").textContent = phone.present;
  setText($("#present-words"), tn("phone.present", phone.present));
  if (phone.meeting) {
    const url = `/minutes/${encodeURIComponent(phone.meeting)}`;
    $("#minutes-link").href = url;
    $("#ended-minutes").href = url;
  }
  $("#minutes-hint").hidden = !(phone.meeting && me.status === "joined" && !phone.ended);
  if (phone.ended) show("ended");
  else if (me.status === "joined") {
    const joined = `${language()}\n${me.participant.name}`;
    if ($("#joined-heading").dataset.words !== joined) {  // "You're in, Ana.": the name in a <bdi> of its own
      $("#joined-heading").dataset.words = joined;
      $("#joined-heading").replaceChildren(tnodes("phone.joined.heading", { name: me.participant.name }));
    }
    renderRooms();
    renderStack();
    renderAssembly();
    renderOpenSpace(phone, me, myRoom());
    renderCafe(phone, me, myRoom());
    renderAudio(phone, me, live);
    show("joined");
  } else if (me.status === "removed") show("removed");
  else show("join");
}

/** Between the items of a list in a sentence (", "; Arabic "، "). */
const sep = () => t("common.list.separator");

/** A kind of entry on the stack, in words ("New point"): worded here from its code. */
const kindWords = (kind, label = "") => (has(`phone.kind.${kind}`) ? t(`phone.kind.${kind}`) : label);

/** The help line says what the chosen kind is for; each radio is described by what applies to it. */
function kindHelp() {
  const checked = document.querySelector('input[name="kind"]:checked');
  setText($("#kind-help"), t("phone.kind_help.line", { kind: checked.parentElement.textContent.trim(), help: t(`phone.kind_help.${checked.value}`) }));
  $("#kind-help").hidden = checked.value === "new";  // plain enough: the line is for the other kinds
  setText($("#raise-kind"), checked.parentElement.textContent.trim());  // the hand bar says which kind
  for (const input of document.querySelectorAll('input[name="kind"]')) {
    const why = $(`#${input.value}-why`);
    const ids = [input === checked && !$("#kind-help").hidden ? "kind-help" : "", why && !why.hidden ? why.id : ""].filter(Boolean).join(" ");
    if (ids) input.setAttribute("aria-describedby", ids);
    else input.removeAttribute("aria-describedby");
  }
}
for (const input of document.querySelectorAll('input[name="kind"]')) input.addEventListener("change", kindHelp);

// The hand bar is fixed at the bottom of the screen: the page keeps that much room at its end (and
// Tab scrolls a control clear of it), whatever the bar holds (a long place wraps to two lines).
const handBars = [$("#raise-bar"), $("#lower-bar")];
const handBarRoom = new ResizeObserver(() => {
  const height = Math.max(0, ...handBars.map((bar) => (shown(bar) ? bar.getBoundingClientRect().height : 0)));
  document.documentElement.style.setProperty("--hand-bar", `${Math.ceil(height)}px`);
});
for (const bar of handBars) handBarRoom.observe(bar);

const ORDINAL = (n) => (n === 1 ? t("phone.hand.next") : t("phone.hand.number", { n }));

function renderStack() {
  const room = myRoom();
  const stack = room ? room.stack : phone.stack;
  const speaker = stack && stack.speaker;
  setText($("#floor-heading"), room ? t("phone.floor.heading_in", { room: room.name }) : t("phone.floor.heading"));
  setText($("#hand-heading"), room ? t("phone.hand.heading_in", { room: room.name }) : t("phone.hand.heading"));
  setText($("#floor-speaker"), speaker
    ? t("phone.floor.speaker", { name: speaker.name, kind: kindWords(speaker.kind, speaker.label) })
    : t("phone.floor.nobody"));
  $("#floor-countdown").hidden = !(room && speaker);
  $("#room-turns").hidden = !room;
  if (room) {
    const waiting = stack.waiting;
    const next = $("#room-next");
    next.textContent = waiting ? t("phone.floor.next_speaker") : speaker ? t("phone.floor.end_turn") : t("phone.floor.next_speaker");
    next.disabled = !waiting && !speaker;
    $("#room-done").hidden = !me.speaking;
    setText($("#room-turns-words"), t(`phone.floor.own_stack.${room.circle ? "circle" : room.cafe ? "table" : "room"}`));
  }
  const queue = room ? stack : live.stack;
  const more = queue.waiting - queue.next.length;
  const names = queue.next.map((n) => t("phone.floor.next_entry", { name: n.name, kind: kindWords(n.kind, n.label) }))
    .join(sep());
  setText($("#floor-next"), queue.waiting
    ? more > 0 ? tn("phone.floor.next_more", more, { names }) : t("phone.floor.next", { names })
    : t("phone.floor.nobody_waiting"));
  const hand = me.hand;
  $("#hand-down").hidden = Boolean(hand);
  $("#hand-up").hidden = !hand;
  if (hand) {
    setText($("#my-place"), t("phone.hand.place", { place: ORDINAL(hand.position), kind: kindWords(hand.kind, hand.label) }));
    setText($("#my-reason"), t("phone.hand.why", { reason: serverText(hand.reason_key, hand.reason_params, hand.reason) }));
  }
  // A kind that can't be used now says why, on screen and to screen readers.
  const closed = Boolean(stack && !stack.open);
  $('input[name="kind"][value="new"]').disabled = closed;
  $('input[name="kind"][value="direct"]').disabled = !speaker;
  $("#new-why").hidden = !closed;
  $("#direct-why").hidden = Boolean(speaker);
  if (document.querySelector('input[name="kind"]:checked')?.disabled) {
    $(`input[name="kind"][value="${closed ? "process" : "new"}"]`).checked = true;
  }
  kindHelp();
  const opted = String(Boolean(me.priority_opted));
  if ($("#priority").dataset.synced !== opted) {  // only when the server's value changed
    $("#priority").dataset.synced = opted;
    $("#priority").checked = opted === "true";
  }
  $("#speaking").hidden = !me.speaking;
  // Given the floor: that needs you, wherever you are on the page.
  const turn = me.speaking ? String(me.speaking.started_at) : null;
  if (turn && seenTurn !== undefined && turn !== seenTurn) {
    const words = room ? t("phone.attention.floor_in", { room: room.name }) : t("phone.attention.floor");
    needYou(`floor:${turn}`, words, t("common.show"), $("#speaking"),
      () => Boolean(me.speaking) && String(me.speaking.started_at) === turn);
  }
  seenTurn = turn;
  tick();
}
let seenTurn;  // the turn we already told about (undefined until the first joined render)

// --- what needs you: at the top of the screen, wherever the page is scrolled ----------------
//
// A vote opening, the floor given to you, a move to a breakout room, the way back to the
// plenary: each is announced to screen readers at once, vibrates where allowed, and unless the
// thing itself is on screen it shows in the bar at the top (sticky: in view however far down the
// page is scrolled) until it is seen, dismissed or over.  Nothing scrolls the page or takes the
// focus by itself, so someone typing keeps their place and their words.

const attention = [];  // on show, newest first: {key, text, go, target, still}
const raised = [];  // raised during this render: announced and placed once the page is laid out

/** Something needs this person: ``still()`` says whether it still does. */
function needYou(key, text, go, target, still, spoken = text, pattern = [200, 100, 200]) {
  if (attention.some((a) => a.key === key) || raised.some((a) => a.key === key)) return;
  raised.push({ key, text, go, target, still, spoken, pattern });
}

/** The target (or enough of it to read) is on screen, below the bars at the top. */
function inView(target) {
  if (target.closest("[hidden]") || !target.getClientRects().length) return false;
  const r = target.getBoundingClientRect();
  const top = Math.max(0, $(".top-bars").getBoundingClientRect().bottom);
  return r.top < innerHeight - 48 && r.bottom > top + 48 && r.top >= top - 8;
}

function renderAttention() {
  const now = raised.splice(0);
  if (now.length) {  // one announcement and one vibration, however many came at once
    announce(now.map((a) => a.spoken).join(" "));
    vibrate(now[0].pattern);
  }
  for (const a of now) if (!inView(a.target)) attention.unshift(a);
  for (let i = attention.length - 1; i >= 0; i--) {
    if (!attention[i].still() || inView(attention[i].target)) attention.splice(i, 1);
  }
  const top = attention[0];
  $("#attention").hidden = !top;
  if (!top) return;
  setText($("#attention-text"), top.text);
  setText($("#attention-go"), top.go);
}

let attentionQueued = false;
addEventListener("scroll", () => {  // scrolled to it: seen
  if (!attention.length || attentionQueued) return;
  attentionQueued = true;
  requestAnimationFrame(() => { attentionQueued = false; renderAttention(); });
}, { passive: true });

let focusBeforeBar = null;  // where the focus was before it went to the bar (it goes back there on "Dismiss")
document.addEventListener("focusin", (event) => {
  if (!$("#attention").contains(event.target)) focusBeforeBar = event.target;
});

$("#attention-go").addEventListener("click", () => {
  const a = attention.shift();
  renderAttention();
  if (!a) return;
  a.target.scrollIntoView({ block: "start" });
  if (!a.target.hasAttribute("tabindex")) a.target.setAttribute("tabindex", "-1");
  a.target.focus({ preventScroll: true });
});
$("#attention-close").addEventListener("click", () => {
  attention.shift();
  renderAttention();
  if ($("#attention").hidden) {
    const back = focusBeforeBar && shown(focusBeforeBar) ? focusBeforeBar : $("#joined-heading");
    if (shown(back)) back.focus({ preventScroll: true });
  } else {
    $("#attention-go").focus();
  }
});

// --- the focus never falls to <body> when what had it goes away ------------------------------
//
// "Raise hand" becomes "Lower hand" (and back), the join form becomes the meeting: when the
// focused control is hidden or removed by a render, the focus moves to its counterpart, or to the
// nearest card that is still there.  A tap on nothing (the focus on <body> on purpose) is left be.

let lastFocus = null;
document.addEventListener("focusin", (event) => { lastFocus = event.target; });
const COUNTERPART = {
  raise: "#lower",
  lower: "#raise",
  name: "#joined-heading",
  "join-button": "#joined-heading",
  "attention-go": "#joined-heading",
  "attention-close": "#joined-heading",
  rejoin: "#name",
  "place-me": "#room-top",
};

function shown(node) {
  return Boolean(node && node.isConnected && !node.closest("[hidden]") && node.getClientRects().length);
}

function keepFocusHome() {
  const active = document.activeElement;
  if (active && active !== document.body && shown(active)) return;
  if (!lastFocus || shown(lastFocus)) return;
  let home = COUNTERPART[lastFocus.id] ? $(COUNTERPART[lastFocus.id]) : null;
  if (!shown(home)) {
    home = null;
    for (let up = lastFocus.parentElement; up && lastFocus.isConnected; up = up.parentElement) {
      if (up.id === "joined") break;  // the whole page is too far: the heading below says where you are
      if (up.tagName === "SECTION" && shown(up)) { home = up; break; }
    }
  }
  if (!home && shown($("#joined-heading"))) home = $("#joined-heading");
  if (!home) return;
  if (home.tabIndex < 0 && !home.hasAttribute("tabindex")) home.setAttribute("tabindex", "-1");
  home.focus({ preventScroll: true });  // never jump the page: the person may be reading elsewhere
}

// --- breakout rooms ------------------------------------------------------------------------
//
// me.rooms: the room this phone is in (null: the plenary).  phone.rooms: the round (its
// question, mode, countdowns, broadcast and rooms).  The room view: the room itself (people,
// stack, notes, report).  Nothing here rebuilds what someone may be typing in.

const broadcastKey = `plaza.broadcast.${code}`;
let roomShown;  // the room id on screen ("" plenary; undefined until the first joined render)
let returnSeen = null;  // the return_at we already announced
let broadcastSeen;  // the broadcast_at we already announced (undefined until the first render)
let warnedRound = null;  // the round whose last minute we already announced
let focusReport = false;  // after volunteering, the report box takes the focus once it shows
let backRound = null;  // the round whose "You're back in the plenary" is on show

/** The room view of the room this phone is in (a breakout room, or the Open Space circle it checked
 * in to), if it came (never a stale one). */
function myRoom() {
  if (me.status !== "joined" || !roomView) return null;
  const here = me.rooms ? me.rooms.room : me.openspace?.checked_in || me.cafe?.seat?.table;  // a café table is a room
  return here && roomView.room === here ? roomView : null;
}

/** The running round's figures, from the room view when in a room (it is the freshest there). */
function roundNow() {
  return myRoom() || phone.rooms || null;
}

/** Say something now to screen readers (the region is assertive). */
function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

function renderRooms() {
  const here = me.rooms || null;
  const round = phone.rooms;
  const room = myRoom();
  const now = here ? here.room : "";
  document.body.classList.toggle("in-room", Boolean(here));

  // Arriving in a room, moving to another, or coming back: say so, once.
  if (now !== roomShown) {
    const before = roomShown;
    roomShown = now;
    if (here) {
      $("#back-notice").hidden = true;
      $("#room-top").hidden = false;
      returnSeen = round ? round.return_at : null;
      renderRoomTop(here, round, room);
      const placed = here.room;
      needYou(`room:${placed}:${round ? round.round : ""}`, t("phone.attention.go", { room: here.name }), t("common.show"), $("#room-top"),
        () => Boolean(me.rooms) && me.rooms.room === placed,
        t("phone.attention.go_spoken", { room: here.name }) + (round && round.question ? ` ${round.question}` : ""));
    } else if (before) {
      const ended = !round || round.ended;
      $("#back-words").textContent = ended ? t("phone.back.ended") : t("phone.back.closed");
      $("#back-notice").hidden = false;
      backRound = round ? round.round : null;
      needYou(`back:${backRound}`, t("phone.attention.back"), t("common.show"), $("#back-notice"),
        () => !$("#back-notice").hidden, t("phone.attention.back"), 200);
    }
  }

  $("#room-top").hidden = !here;
  if (here) renderRoomTop(here, round, room);
  if (round && round.round !== backRound) $("#back-notice").hidden = true;  // a new round: old news
  renderBroadcast();
  renderBreakouts(here, round);
  renderRoomBody(here, room);
  const report = round && round.report;
  $("#shown-report").hidden = !report || Boolean(here);
  if (report) {
    $("#shown-report-room").textContent = report.name;
    setText($("#shown-report-words"), t("phone.shown_report.from"));
    $("#shown-report-by").textContent = report.rapporteur ? t("phone.shown_report.by", { name: report.rapporteur }) : "";
    $("#shown-report-text").textContent = report.text || t("phone.shown_report.none");
  }
  // Plenary things that make no sense inside a room.
  $("#feel").hidden = Boolean(here);
}

function renderRoomTop(here, round, room) {
  const r = room || round;
  $("#room-name").textContent = here.name;
  $("#room-name").classList.toggle("long", here.name.length > 16);
  $("#room-kicker").textContent = r && r.round ? t("phone.rooms.kicker_round", { round: r.round }) : t("phone.rooms.kicker");
  const question = (r && r.question) || "";
  $("#room-question").textContent = question;
  $("#room-question").hidden = !question;
  const returning = Boolean(r && r.return_at);
  $("#room-top").classList.toggle("returning", returning);
  $("#room-go-words").textContent = returning ? t("phone.rooms.closing") : t("phone.rooms.go_to");
  $("#room-return").hidden = !returning;
  $("#room-time").hidden = returning || !r;
  if (returning && returnSeen !== r.return_at) {
    returnSeen = r.return_at;
    const left = Math.max(0, secondsLeft(socket, r.return_at));
    announce(t("phone.rooms.called_back", { time: clock(left) }));
    vibrate(400);
  }
  tickRooms();
}

function renderBroadcast() {
  const r = roundNow();
  const text = r && !r.ended ? r.broadcast : null;
  $("#broadcast").hidden = !text;
  if (!text) {
    if (broadcastSeen === undefined) broadcastSeen = null;  // none yet: the first one to come is news
    return;
  }
  const at = r.broadcast_at;
  const acked = Number(localStorage.getItem(broadcastKey) || 0);
  const fresh = at > acked;
  $("#broadcast-text").textContent = text;
  $("#broadcast").classList.toggle("fresh", fresh);
  $("#broadcast-new").hidden = !fresh;
  $("#broadcast-ok").hidden = !fresh;
  if (broadcastSeen !== undefined && broadcastSeen !== at && fresh) {
    needYou(`broadcast:${at}`, t("phone.attention.message", { text }), t("common.show"), $("#broadcast"),
      () => !$("#broadcast").hidden && roundNow()?.broadcast_at === at && Number(localStorage.getItem(broadcastKey) || 0) < at,
      t("phone.attention.message_spoken", { text }), [150, 80, 150]);
  }
  broadcastSeen = at;
}
$("#broadcast-ok").addEventListener("click", () => {
  const r = roundNow();
  if (r && r.broadcast_at) localStorage.setItem(broadcastKey, String(r.broadcast_at));
  renderBroadcast();
  $("#broadcast-text").setAttribute("tabindex", "-1");
  $("#broadcast-text").focus();  // the button went away: keep the focus where it was
});

function renderBreakouts(here, round) {
  const running = Boolean(round && !round.ended);
  $("#breakouts").hidden = !running || Boolean(here);
  $("#move-room").hidden = !(running && here && round.mode === "self");
  if (!running) return;
  $("#breakouts-question").textContent = round.question || "";
  $("#breakouts-question").hidden = !round.question;
  $("#breakouts-self").hidden = round.mode !== "self";
  $("#breakouts-random").hidden = round.mode !== "random";
  $("#breakouts-hand").hidden = round.mode !== "hand";
  if (round.mode === "self") {
    renderRoomList($("#room-list"), round.rooms, "", $("#breakouts-error"));
    if (here) renderRoomList($("#move-room-list"), round.rooms.filter((r) => r.room !== here.room), "move", $("#move-room-error"));
  }
}

function roomWords(r) {
  return r.capacity ? tn("phone.rooms.capacity", r.capacity, { people: r.people }) : tn("phone.rooms.people", r.people);
}

/** Rooms to pick from (self-select), keyed by room: a tap in progress is never rebuilt away. */
function renderRoomList(list, rooms, verb, error) {
  keyed(list, rooms, (r) => r.room, (r) => {
    const button = el("button", { type: "button", class: "small" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      if (await act("take_room", { room: r.room }, error)) error.textContent = "";
      render();
    });
    return el("li", { class: "room-choice" },
      el("span", { class: "room-choice-name" }), el("span", { class: "room-choice-count" }), button);
  }, (li, r) => {
    const [name, count, button] = li.children;
    name.textContent = r.room === scannedRoom ? t("phone.rooms.scanned", { room: r.name }) : r.name;
    count.textContent = roomWords(r);
    const blocked = r.closed || r.full;
    button.disabled = blocked;
    button.textContent = r.closed ? t("phone.rooms.closed") : r.full ? t("phone.rooms.full") : verb ? t("phone.rooms.move_button") : t("phone.rooms.join");
    button.setAttribute("aria-label", blocked
      ? t(r.closed ? "phone.rooms.closed_label" : "phone.rooms.full_label", { room: r.name })
      : t(verb ? "phone.rooms.move_label" : "phone.rooms.join_label", { room: r.name, people: roomWords(r) }));
  });
}

$("#place-me").addEventListener("click", () => act("take_room", {}, $("#breakouts-error")));

function renderRoomBody(here, room) {
  $("#room-body").hidden = !here;
  // The speaking stack works in the room the phone is in: its cards move there.
  const cards = $("#stack-cards");
  const slot = here ? $("#room-stack-slot") : room && room.circle ? $("#circle-stack-slot") : room && room.cafe ? $("#cafe-stack-slot") : null;
  keepFocus(() => {  // moving the cards would drop the focus of someone on "Raise hand"
    if (slot && cards.parentElement !== slot) slot.append(cards);
    if (!slot && cards.previousElementSibling !== $("#stack-home")) $("#stack-home").after(cards);
  });
  for (const id of ["#room-people-card", "#room-notes-card", "#room-report-card"]) $(id).hidden = !room;
  if (!here || !room) return;

  const mine = me.participant.id;
  const away = room.people.filter((p) => !p.present).length;
  setText($("#room-people-heading"), away
    ? t("phone.room.people_away", { room: room.name, count: room.people.length, away })
    : t("phone.room.people_in", { room: room.name, count: room.people.length }));
  keyed($("#room-people"), room.people, (p) => p.id,
    () => el("li", { class: "person" }, el("span", { class: "person-name" }), el("span", { class: "person-tags" })),
    (li, p) => {
      li.classList.toggle("away", !p.present);
      li.children[0].textContent = p.id === mine ? t("phone.person.you", { name: p.name }) : p.name;
      const tags = [p.rapporteur ? t("phone.person.reports_back") : "", p.present ? "" : t("phone.person.away")].filter(Boolean);
      li.children[1].textContent = tags.join(" · ");
      li.children[1].classList.toggle("rapporteur", p.rapporteur);
    });

  keyed($("#room-notes"), room.notes, (n) => n.note,
    (n) => el("li", { class: "note" }, el("span", { class: "note-text" }, n.text), el("span", { class: "note-by" }, ` — ${n.by}`)));
  $("#room-notes-card").classList.toggle("empty", !room.notes.length);

  renderReport(room, me.rooms.rapporteur);
}

// The rapporteur's report: typed here, saved by itself; a view never overwrites what is being typed.
// Only the rapporteur writes the report, so while this phone is the rapporteur its box is the report:
// the server's text comes into the box once, when the pen passes to this phone (a new room, a round,
// a handover), and never again (its echo of our own saves, trimmed by the server, is no news).
const report = { room: null, dirty: false, saving: false, again: false, timer: null };

function renderReport(room, mine) {
  const rapporteur = room.rapporteur;
  $("#report-volunteer").hidden = Boolean(rapporteur);
  $("#report-other").hidden = !rapporteur || mine;
  $("#report-mine").hidden = !mine;
  if (rapporteur && !mine) {
    $("#report-by").textContent = t("phone.report.by", { name: rapporteur.name });
    $("#report-read").textContent = room.report || t("phone.report.empty");
  }
  if (!mine) {
    report.room = null;  // the pen went elsewhere: take the text again if it comes back
    return;
  }
  const box = $("#report-text");
  if (report.room !== room.room) {  // the pen passed to this phone: start from what the room has
    report.room = room.room;
    report.dirty = false;
    clearTimeout(report.timer);
    box.value = room.report;
    reportStatus("");
  }
  countReport();
  if (focusReport) {
    focusReport = false;
    box.focus();
  }
}

function countReport() {
  const n = $("#report-text").value.length;
  $("#report-count").textContent = `${n} / 2000`;
  $("#report-count").classList.toggle("near", n > 1800);
}

function reportStatus(text) {
  $("#report-status").textContent = text;
}

async function saveReport() {
  clearTimeout(report.timer);
  if (!report.dirty) return;
  if (report.saving) { report.again = true; return; }
  const box = $("#report-text");
  const text = box.value;
  report.saving = true;
  reportStatus(t("phone.report.saving"));
  try {
    await socket.request("write_report", { text });
    $("#report-error").textContent = "";
    if (box.value === text) {
      report.dirty = false;
      const at = new Date().toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" });
      reportStatus(t("phone.report.saved", { time: at }));
    } else {
      reportStatus(t("phone.report.unsaved"));
    }
  } catch (err) {
    if (err.code === "stale") report.timer = setTimeout(saveReport, 500);  // the whole text: never out of date
    reportStatus(t("phone.report.not_saved"));
    $("#report-error").textContent = err.code === "offline" || err.code === "lost" ? t("phone.report.offline") : refusal(err);
  } finally {
    report.saving = false;
    if (report.again) {
      report.again = false;
      if (report.dirty) saveReport();
    }
  }
}

$("#report-text").addEventListener("input", () => {
  report.dirty = true;
  countReport();
  reportStatus(t("phone.report.unsaved"));
  clearTimeout(report.timer);
  report.timer = setTimeout(saveReport, 1500);
});
$("#report-text").addEventListener("blur", saveReport);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") saveReport(); });
socket.addEventListener("status", ({ detail }) => { if (detail === "open" && report.dirty) setTimeout(saveReport, 500); });

$("#volunteer").addEventListener("click", async () => {
  focusReport = true;
  if (!(await act("volunteer_rapporteur", {}, $("#phone-error")))) focusReport = false;
});

$("#note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#note-text");
  const sent = values([input]);
  const text = input.value.trim();
  if (!text) { $("#note-error").textContent = t("phone.error.write_first"); return; }
  if (await act("add_note", { text }, $("#note-error"))) clearSent([input], sent);
});

$("#room-next").addEventListener("click", () => act("next_speaker", {}, $("#floor-error")));
$("#room-done").addEventListener("click", () => act("end_turn", {}, $("#floor-error")));
$("#back-ok").addEventListener("click", () => {
  $("#back-notice").hidden = true;
  $("#joined-heading").setAttribute("tabindex", "-1");
  $("#joined-heading").focus();
});

/** The countdowns of breakout rooms, four times a second. */
function tickRooms() {
  const r = roundNow();
  if (!r || r.ended) return;
  const here = me.status === "joined" && me.rooms;
  if (r.return_at) {
    const left = Math.max(0, secondsLeft(socket, r.return_at));
    if (left < 4 && report.dirty && !report.saving) saveReport();  // the room closes: don't lose the last words
    $("#room-return-countdown").textContent = clock(left);
    $("#breakouts-countdown").textContent = t("phone.rooms.everyone_back", { time: clock(left) });
  } else {
    const left = secondsLeft(socket, r.ends_at);
    const over = left <= 0;
    setText($("#room-countdown"), over ? t("phone.rooms.times_up") : clock(left));
    setText($("#room-time-words"), over ? t("phone.rooms.call_back") : t("phone.rooms.left"));
    $("#room-time").classList.toggle("warn", left <= 60);
    setText($("#breakouts-countdown"), over ? t("phone.rooms.finishing") : t("phone.rooms.left_time", { time: clock(left) }));
    if (here && left <= 60 && left > 0 && warnedRound !== r.round) {
      warnedRound = r.round;
      announce(t("phone.rooms.one_minute"));
    }
  }
  const room = myRoom();
  const speaker = room && room.stack.speaker;
  if (speaker && speaker.deadline) {
    const left = secondsLeft(socket, speaker.deadline);
    const countdown = $("#floor-countdown");
    setText(countdown, left < 0 ? t("phone.floor.over_time", { time: clock(-left) }) : t("phone.floor.left", { time: clock(left) }));
    countdown.classList.toggle("over", left < 0);
  }
}

// --- the assembly: agenda, vote, temperature, proposals, written points, group -----------

let ballotFor = null; // the vote whose choices are on screen (rebuilt only when it changes)
let ballotSynced = null;  // my ballot as last put into the choices (they follow it only when it changes)
let seenVote;  // the vote we already told about (undefined until the first joined render)

function renderAssembly() {
  const agenda = phone.agenda || { items: [], current: null, approved: false };
  $("#item").hidden = !agenda.current || Boolean(me.rooms);  // inside a breakout room the plenary's item waits
  if (agenda.current) $("#item-title").textContent = agenda.current.title;
  setText($("#agenda-state"), agenda.approved ? t("phone.agenda.approved") : t("phone.agenda.draft"));
  keyed($("#agenda"), agenda.items, (i) => i.item, () => el("li", {}, el("span"), el("strong")), (li, i) => {
    li.className = i.status;
    showTranslated(li.children[0], phone.translations, "agenda", i.item, i.title,
      { words: (title) => t("phone.agenda.item", { title, minutes: tn("common.minutes", i.minutes) }) });
    setText(li.children[1], i.status === "current" ? t("phone.agenda.now") : i.status === "done" ? t("phone.agenda.done") : "");
    li.children[1].hidden = !li.children[1].textContent;
  });
  renderVote();
  renderCheck();
  for (const button of document.querySelectorAll("[data-signal]")) {
    button.setAttribute("aria-pressed", String(me.signal?.signal === button.dataset.signal));
  }
  renderProposals();
  renderPoints();
  renderGroups();
}

function renderVote() {
  const vote = phone.vote;
  $("#vote").hidden = !vote;
  if (!vote) {
    if (seenVote === undefined) seenVote = null;
    return;
  }
  if (seenVote === undefined) seenVote = vote.open ? vote.vote : null;  // open before we came: no news
  setText($("#vote-heading"), t(`phone.vote.heading.${vote.secret ? "secret" : "open"}_${vote.open ? "running" : "closed"}`));
  showTranslated($("#vote-question"), phone.translations, "vote", vote.vote, vote.question, { vote: true });
  setText($("#vote-rule"), t("phone.vote.rule", { rule: serverText(vote.rule_key, vote.rule_params, vote.rule_words) }));
  const key = `${vote.vote}:${vote.open}:${language()}`;
  if (ballotFor !== key) {
    const sameVote = ballotFor?.startsWith(`${vote.vote}:${vote.open}:`);  // only the language changed: keep what was typed
    ballotFor = key;
    const type = vote.multi ? "checkbox" : "radio";
    $("#ballot-choices").replaceChildren(
      el("legend", {}, vote.multi ? t("phone.vote.ballot_multi") : t("phone.vote.ballot")),
      ...vote.choices.map((c) => el("label", { class: "kind" },
        el("input", { type, name: "choice", value: c.choice, onchange: reasonBox }), " ", el("bdi", {}, choiceWords(c)))));
    if (!sameVote) {
      $("#ballot-reason").value = "";
      $("#ballot-error").textContent = "";
    }
    ballotSynced = null;
  }
  const mine = me.ballot && me.ballot.vote === vote.vote ? me.ballot : null;
  // A secret vote's receipt is kept on this phone: once the vote closes the server no longer knows
  // whose ballot was which, and the receipt is how you find yours in the minutes.
  const receiptKey = `plaza.receipt.${code}.${vote.vote}`;
  if (mine && vote.secret) localStorage.setItem(receiptKey, mine.receipt);
  const kept = !mine && vote.secret && !vote.open ? localStorage.getItem(receiptKey) : null;
  // The choices follow my ballot when it changes (cast here or on another device), never on a
  // re-render for someone else's ballot: a choice being changed, and its reason, stay.
  const synced = mine ? `${mine.vote}:${mine.choices.join(",")}:${mine.reason || ""}` : "";
  if (ballotSynced !== synced) {
    ballotSynced = synced;
    if (mine) {
      for (const input of document.querySelectorAll('input[name="choice"]')) input.checked = mine.choices.includes(input.value);
      if (mine.reason) $("#ballot-reason").value = mine.reason;
    }
  }
  if (vote.open && seenVote !== undefined && seenVote !== vote.vote) {
    const id = vote.vote;
    needYou(`vote:${id}`, t("phone.attention.vote", { question: vote.question }), t("phone.attention.vote_now"), $("#vote"),
      () => phone.vote?.vote === id && phone.vote.open && me.ballot?.vote !== id,
      t("phone.attention.vote_spoken", { question: vote.question }));
  }
  if (vote.open) seenVote = vote.vote;
  reasonBox();
  $("#ballot-form").hidden = !vote.open;
  setText($("#cast"), mine ? t("phone.vote.change") : t("phone.vote.cast"));
  const labels = Object.fromEntries(vote.choices.map((c) => [c.choice, choiceWords(c)]));
  setText($("#my-ballot"), mine
    ? [t("phone.vote.mine", { choices: mine.choices.map((c) => labels[c]).join(sep()) }),
      vote.secret ? t("phone.vote.receipt", { receipt: mine.receipt }) : "",
      vote.open ? t("phone.vote.can_change") : ""].filter(Boolean).join(" ")
    : vote.open ? t("phone.vote.not_yet")
    : kept ? t("phone.vote.voted_receipt", { receipt: kept })
    : me.voted ? t("phone.vote.voted") : "");
  const result = vote.result;
  $("#vote-result").hidden = !result;
  if (result) {
    setText($("#outcome"), has(`phone.outcome.${result.outcome}`) ? t(`phone.outcome.${result.outcome}`) : result.label);
    $("#outcome").className = `outcome ${result.outcome}`;
    setText($("#outcome-words"), serverText(result.words_key, result.words_params, result.words));
  }
  // While the vote is open its running figures come in the live view.
  const figures = vote.open ? (live.vote?.vote === vote.vote ? live.vote : { turnout: 0, counts: null }) : vote;
  // A hidden or secret vote sends no counts while it is open: only how many have voted.
  const ballots = tn("phone.vote.ballots", figures.turnout);
  setText($("#vote-tally"), figures.counts
    ? t("phone.vote.tally", {
      counts: vote.choices.map((c) => t("phone.vote.count", { choice: labels[c.choice], count: figures.counts[c.choice] ?? 0 })).join(" · "),
      ballots,
    })
    : vote.open && (vote.hidden || vote.secret) ? t("phone.vote.so_far_hidden", { ballots }) : t("phone.vote.so_far", { ballots }));
}

/** A ballot choice in words: yes/no/abstain, agree/stand aside/block worded here; an option is its own text. */
function choiceWords(c) {
  return has(`phone.choice.${c.choice}`) && c.label !== c.choice ? t(`phone.choice.${c.choice}`) : c.label;
}

function chosen() {
  return [...document.querySelectorAll('input[name="choice"]:checked')].map((i) => i.value);
}

function reasonBox() {
  const picked = chosen();
  const needs = picked.includes("block") || picked.includes("stand_aside");
  $("#reason-box").hidden = !needs;
  setText($("#reason-label"), picked.includes("block") ? t("phone.vote.reason_block") : t("phone.vote.reason_optional"));
}

$("#ballot-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const vote = phone.vote;
  const picked = chosen();
  const error = $("#ballot-error");
  if (!picked.length) { error.textContent = t("phone.vote.choose_first"); return; }
  const fields = { vote: vote.vote };
  if (vote.multi) fields.choices = picked; else fields.choice = picked[0];
  const reason = $("#ballot-reason").value.trim();
  if (reason && !$("#reason-box").hidden) fields.reason = reason;
  await act("cast_ballot", fields, error);
});

function renderCheck() {
  const check = phone.check;
  const running = check && secondsLeft(socket, check.deadline) > 0;
  $("#check").hidden = !running;
  if (!running) return;
  $("#check-question").textContent = check.question;
  for (const button of document.querySelectorAll("[data-check]")) {
    button.setAttribute("aria-pressed", String(me.check_answer === button.dataset.check));
  }
}

for (const button of document.querySelectorAll("[data-check]")) {
  button.addEventListener("click", () => act("answer_check", { check: phone.check.check, signal: button.dataset.check }));
}
for (const button of document.querySelectorAll("[data-signal]")) {
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") === "true";
    act("signal", { signal: on ? "" : button.dataset.signal });
  });
}

// Proposals and written points are keyed lists: a new hand or ballot anywhere re-renders them,
// and a half-typed amendment, an open "Amend it" or a focused button stays as it was.
function renderProposals() {
  const proposals = phone.proposals || [];
  $("#no-proposals").hidden = proposals.length > 0;
  keyed($("#proposals"), proposals, (p) => p.proposal, createProposal, updateProposal);
}

function createProposal(p) {
  const id = p.proposal;
  const box = el("textarea", { id: `amend-${id}`, rows: 3, maxlength: 1000, "aria-describedby": `amend-error-${id}` });
  const error = el("p", { class: "error-text", id: `amend-error-${id}`, role: "alert" });
  const form = el("form", { class: "amend", novalidate: true },
    el("label", { for: box.id, "data-i18n": "phone.proposals.new_wording" }, t("phone.proposals.new_wording")), box, error,
    el("button", { type: "submit", class: "small secondary", "data-i18n": "phone.proposals.amend" }, t("phone.proposals.amend")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const sent = values([box]);
    const text = box.value.trim();
    if (!text) { error.textContent = t("phone.proposals.wording_first"); return; }
    if (await act("amend", { proposal: id, text }, error)) clearSent([box], sent);
  });
  return el("li", { class: "proposal" },
    el("p", { class: "question" }),
    el("p", { class: "reason" }),
    el("ul", { class: "plain amendments" }),
    el("details", {}, el("summary", { "data-i18n": "phone.proposals.amend_it" }, t("phone.proposals.amend_it")), form));
}

function updateProposal(li, p) {
  const [text, by, amendments] = li.children;
  showTranslated(text, phone.translations, "proposal", p.proposal, p.text);
  setText(by, t("phone.proposals.by", { name: p.proposer }));
  amendments.hidden = !p.amendments.length;
  const proposer = p.proposer_id === me.participant?.id;
  keyed(amendments, p.amendments, (a) => a.amendment, (a) => el("li", {}, el("span"),
    el("button", { type: "button", class: "small secondary", onclick: () => act("accept_amendment", { amendment: a.amendment }) },
      t("phone.proposals.accept"))), (item, a) => {
    const by = a.by || t("phone.proposals.the_facilitator");
    showTranslated(item.children[0], phone.translations, "amendment", a.amendment, a.text,
      { words: (text) => t("phone.proposals.amendment", { name: by, text }) });
    setText(item.children[1], t("phone.proposals.accept"));
    item.children[1].hidden = !proposer;
    item.children[1].setAttribute("aria-label", t("phone.proposals.accept_label", { name: by }));
  });
}

function renderPoints() {
  keyed($("#points"), phone.points || [], (p) => p.point, (p) => el("li", { class: "point" },
    el("p", {}), el("p", { class: "reason" }),
    el("button", { type: "button", class: "small secondary", onclick: () => {
      if ((me.points || []).includes(p.point)) act("withdraw_point", { point: p.point });
      else act("upvote_point", { point: p.point, up: !(me.upvoted || []).includes(p.point) });
    } })), (li, p) => {
    const [text, by, button] = li.children;
    setText(text, p.text);
    // (The server words an anonymous author "Anonymous": the one word of it worded here.)
    const author = p.author === "Anonymous" ? t("phone.points.anonymous_author") : p.author;
    setText(by, tn("phone.points.by", p.upvotes, { name: author }));
    if ((me.points || []).includes(p.point)) {
      setText(button, t("phone.points.withdraw"));
      button.removeAttribute("aria-pressed");
      button.setAttribute("aria-label", t("phone.points.withdraw_label", { text: p.text }));
    } else {
      const up = (me.upvoted || []).includes(p.point);
      setText(button, up ? t("phone.points.upvoted") : t("phone.points.upvote"));
      button.setAttribute("aria-pressed", String(up));
      button.setAttribute("aria-label", t(up ? "phone.points.upvoted_label" : "phone.points.upvote_label", { text: p.text }));
    }
  });
}

function renderGroups() {
  const groups = phone.groups || [];
  $("#group-box").hidden = !groups.length;
  const select = $("#group");
  const wanted = [language(), "", ...groups].join("\n");
  if (select.dataset.groups !== wanted) {
    select.dataset.groups = wanted;
    select.replaceChildren(el("option", { value: "" }, t("phone.group.none")), ...groups.map((g) => el("option", { value: g }, g)));
    delete select.dataset.synced;  // new options: put my group back in
  }
  syncValue(select, me.group || "");
}
$("#group").addEventListener("change", (event) => act("declare_group", { group: event.target.value }));

function formAct(form, textarea, error, type, fields) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(textarea);
    const sent = values([input]);
    const text = input.value.trim();
    if (!text) { $(error).textContent = t("phone.error.write_first"); return; }
    if (await act(type, fields(text), $(error))) clearSent([input], sent);
  });
}
formAct("#propose-form", "#proposal-text", "#propose-error", "propose", (text) => ({ text }));
formAct("#point-form", "#point-text", "#point-error", "post_point", (text) => ({ text, anonymous: $("#point-anonymous").checked }));
formAct("#item-form", "#item-text", "#item-error", "propose_item", (title) => ({ title }));

function tick() {
  if (me.status === "joined") tickRooms();
  if (me.status === "joined") tickOpenSpace();
  if (me.status === "joined") tickCafe();
  const current = phone.agenda?.current;
  if (current && current.deadline) {
    const left = secondsLeft(socket, current.deadline);
    $("#item-countdown").textContent = clock(left);
  }
  if (phone.check) {
    const left = secondsLeft(socket, phone.check.deadline);
    $("#check-countdown").textContent = clock(Math.max(0, left));
    if ($("#check").hidden === left > 0) renderCheck();
  }
  if (!me.speaking) return;
  const left = secondsLeft(socket, me.speaking.deadline);
  const countdown = $("#my-countdown");
  countdown.textContent = clock(left);
  countdown.classList.toggle("over", left < 0);
  const up = $("#time-up");
  if (left < 0 && up.hidden) vibrate([200, 100, 200]);  // a gentle signal
  up.hidden = left >= 0;
}
setInterval(tick, 250);

async function act(type, fields = {}, error = $("#phone-error")) {
  try {
    await socket.request(type, fields);
    error.textContent = "";
    return true;
  } catch (err) {
    error.textContent = refusal(err);
    return false;
  }
}

$("#raise").addEventListener("click", () => {
  const kind = document.querySelector('input[name="kind"]:checked')?.value ?? "new";
  act("raise_hand", { kind }, $("#hand-error"));
});
$("#lower").addEventListener("click", () => act("lower_hand", {}, $("#hand-error")));
$("#priority").addEventListener("change", (event) => act("opt_priority", { opted: event.target.checked }, $("#hand-error")));

$("#join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("#name").value.trim();
  const error = $("#join-error");
  if (!name) { error.textContent = t("phone.join.name_first"); $("#name").focus(); return; }
  error.textContent = "";
  $("#join-button").disabled = true;
  try {
    const ack = await socket.request("join", scannedRoom ? { name, room: scannedRoom } : { name });
    localStorage.setItem(tokenKey, ack.token);
  } catch (err) {
    error.textContent = refusal(err);
    $("#name").focus();
  } finally {
    $("#join-button").disabled = false;
  }
});

$("#rename-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("#rename-error");
  try {
    await socket.request("rename", { name: $("#new-name").value });
    error.textContent = "";
    $("#rename").open = false;
  } catch (err) {
    error.textContent = refusal(err);
  }
});

$("#rejoin").addEventListener("click", () => {
  localStorage.removeItem(tokenKey);
  me = { status: "guest", participant: null };
  socket.restart();
  render();
});

// Another language picked: the fixed words are translated already (translatePage); the rest re-renders.
onLanguageChange(() => render());

initOpenSpace({ socket, act, needYou, render });
initCafe({ socket, act, needYou, render, announce });
initAudio({ socket, act });
render();
socket.connect();
