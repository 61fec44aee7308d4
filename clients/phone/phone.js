// The attendee's phone: join under a name, then follow the meeting.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, clearSent, values, keyed, vibrate } from "/static/shared/socket.js";

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

const socket = new PlazaSocket(() => {
  const hello = { role: "phone", code };
  const token = localStorage.getItem(tokenKey);
  if (token) hello.token = token;
  return hello;
});
showStatus(socket, $("#connection"));

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
  if (missing) {
    $("#title").textContent = `Code ${code}`;
    show("missing");
    return;
  }
  $("#title").textContent = phone.title || "Joining…";
  const roomName = me.status === "joined" && me.rooms ? `${me.rooms.name} · ` : "";
  document.title = phone.title ? `${roomName}${phone.title} — Plaza` : "Plaza";
  $("#present").textContent = phone.present;
  if (phone.meeting) {
    const url = `/minutes/${encodeURIComponent(phone.meeting)}`;
    $("#minutes-link").href = url;
    $("#ended-minutes").href = url;
  }
  $("#minutes-hint").hidden = !(phone.meeting && me.status === "joined" && !phone.ended);
  if (phone.ended) show("ended");
  else if (me.status === "joined") {
    $("#my-name").textContent = me.participant.name;
    renderRooms();
    renderStack();
    renderAssembly();
    show("joined");
  } else if (me.status === "removed") show("removed");
  else show("join");
}

const ORDINAL = (n) => (n === 1 ? "You're next" : `You're number ${n} on the stack`);

function renderStack() {
  const room = myRoom();
  const stack = room ? room.stack : phone.stack;
  const speaker = stack && stack.speaker;
  $("#floor-heading").textContent = room ? `Speaking now in ${room.name}` : "Speaking now";
  $("#hand-heading").textContent = room ? `Speak in ${room.name}` : "Speak";
  $("#floor-speaker").textContent = speaker ? `${speaker.name} — ${speaker.label}` : "Nobody has the floor.";
  $("#floor-countdown").hidden = !(room && speaker);
  $("#room-turns").hidden = !room;
  if (room) {
    const waiting = stack.waiting;
    const next = $("#room-next");
    next.textContent = waiting ? "Next speaker" : speaker ? "End this turn" : "Next speaker";
    next.disabled = !waiting && !speaker;
    $("#room-done").hidden = !me.speaking;
  }
  const queue = room ? stack : live.stack;
  const more = queue.waiting - queue.next.length;
  $("#floor-next").textContent = queue.waiting
    ? `Next: ${queue.next.map((n) => `${n.name} (${n.label})`).join(", ")}` + (more > 0 ? ` and ${more} more` : "") + "."
    : "Nobody is waiting.";
  const hand = me.hand;
  $("#hand-down").hidden = Boolean(hand);
  $("#hand-up").hidden = !hand;
  if (hand) {
    $("#my-place").textContent = `${ORDINAL(hand.position)} (${hand.label})`;
    $("#my-reason").textContent = `Why: ${hand.reason}.`;
  }
  $('input[name="kind"][value="new"]').disabled = Boolean(stack && !stack.open);
  $('input[name="kind"][value="direct"]').disabled = !speaker;
  $("#priority").checked = Boolean(me.priority_opted);
  $("#speaking").hidden = !me.speaking;
  tick();
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

/** The room view of the room this phone is in, if it came (never a stale one). */
function myRoom() {
  const here = me.status === "joined" ? me.rooms : null;
  return here && roomView && roomView.room === here.room ? roomView : null;
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

/** Someone typing keeps their focus and scroll position. */
function typing() {
  const active = document.activeElement;
  return Boolean(active && (active.tagName === "TEXTAREA" || (active.tagName === "INPUT" && active.type === "text")));
}

function bringToTop(target) {
  if (typing()) return;
  window.scrollTo({ top: 0 });
  target.focus({ preventScroll: true });
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
      announce(`Go to ${here.name}.` + (round && round.question ? ` ${round.question}` : ""));
      vibrate([200, 100, 200]);
      bringToTop($("#room-top"));
    } else if (before) {
      const ended = !round || round.ended;
      $("#back-words").textContent = ended
        ? "The breakout round has ended. Welcome back."
        : "Your room was closed. The other rooms carry on.";
      $("#back-notice").hidden = false;
      backRound = round ? round.round : null;
      announce("You're back in the plenary.");
      vibrate(200);
      bringToTop($("#back-notice"));
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
    $("#shown-report-by").textContent = report.rapporteur ? `Written by ${report.rapporteur}` : "";
    $("#shown-report-text").textContent = report.text || "(no report written)";
  }
  // Plenary things that make no sense inside a room.
  $("#feel").hidden = Boolean(here);
}

function renderRoomTop(here, round, room) {
  const r = room || round;
  $("#room-name").textContent = here.name;
  $("#room-name").classList.toggle("long", here.name.length > 16);
  $("#room-kicker").textContent = r && r.round ? `Your breakout room · round ${r.round}` : "Your breakout room";
  const question = (r && r.question) || "";
  $("#room-question").textContent = question;
  $("#room-question").hidden = !question;
  const returning = Boolean(r && r.return_at);
  $("#room-top").classList.toggle("returning", returning);
  $("#room-go-words").textContent = returning ? "Closing:" : "Go to";
  $("#room-return").hidden = !returning;
  $("#room-time").hidden = returning || !r;
  if (returning && returnSeen !== r.return_at) {
    returnSeen = r.return_at;
    const left = Math.max(0, secondsLeft(socket, r.return_at));
    announce(`The facilitator is calling everyone back. Back to the plenary in ${clock(left)}.`);
    vibrate(400);
  }
  tickRooms();
}

function renderBroadcast() {
  const r = roundNow();
  const text = r && !r.ended ? r.broadcast : null;
  $("#broadcast").hidden = !text;
  if (!text) return;
  const at = r.broadcast_at;
  const acked = Number(localStorage.getItem(broadcastKey) || 0);
  const fresh = at > acked;
  $("#broadcast-text").textContent = text;
  $("#broadcast").classList.toggle("fresh", fresh);
  $("#broadcast-new").hidden = !fresh;
  $("#broadcast-ok").hidden = !fresh;
  if (broadcastSeen !== undefined && broadcastSeen !== at && fresh) {
    announce(`Message from the facilitator: ${text}`);
    vibrate([150, 80, 150]);
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
    if (here) renderRoomList($("#move-room-list"), round.rooms.filter((r) => r.room !== here.room), "Move", $("#move-room-error"));
  }
}

function roomWords(r) {
  const people = `${r.people} ${r.people === 1 ? "person" : "people"}`;
  return r.capacity ? `${r.people} / ${r.capacity} people` : people;
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
    name.textContent = r.name + (r.room === scannedRoom ? " (the table you scanned)" : "");
    count.textContent = roomWords(r);
    const blocked = r.closed || r.full;
    button.disabled = blocked;
    button.textContent = r.closed ? "Closed" : r.full ? "Full" : verb || "Join";
    button.setAttribute("aria-label", blocked
      ? `${r.name}: ${r.closed ? "closed" : "full"}`
      : `${verb ? `${verb} to` : "Join"} ${r.name}, ${roomWords(r)}`);
  });
}

$("#place-me").addEventListener("click", () => act("take_room", {}, $("#breakouts-error")));

function renderRoomBody(here, room) {
  $("#room-body").hidden = !here;
  // The speaking stack works in the room the phone is in: its cards move there.
  const cards = $("#stack-cards");
  const slot = here ? $("#room-stack-slot") : null;
  if (slot && cards.parentElement !== slot) slot.append(cards);
  if (!slot && cards.previousElementSibling !== $("#stack-home")) $("#stack-home").after(cards);
  for (const id of ["#room-people-card", "#room-notes-card", "#room-report-card"]) $(id).hidden = !room;
  if (!here || !room) return;

  const mine = me.participant.id;
  const away = room.people.filter((p) => !p.present).length;
  $("#room-people-heading").textContent = `In ${room.name}: ${room.people.length}` + (away ? ` (${away} away)` : "");
  keyed($("#room-people"), room.people, (p) => p.id,
    () => el("li", { class: "person" }, el("span", { class: "person-name" }), el("span", { class: "person-tags" })),
    (li, p) => {
      li.classList.toggle("away", !p.present);
      li.children[0].textContent = p.name + (p.id === mine ? " (you)" : "");
      const tags = [p.rapporteur ? "reports back" : "", p.present ? "" : "away"].filter(Boolean);
      li.children[1].textContent = tags.join(" · ");
      li.children[1].classList.toggle("rapporteur", p.rapporteur);
    });

  keyed($("#room-notes"), room.notes, (n) => n.note,
    (n) => el("li", { class: "note" }, el("span", { class: "note-text" }, n.text), el("span", { class: "note-by" }, ` — ${n.by}`)));
  $("#room-notes-card").classList.toggle("empty", !room.notes.length);

  renderReport(room, me.rooms.rapporteur);
}

// The rapporteur's report: typed here, saved by itself; a view never overwrites what is being typed.
const report = { room: null, dirty: false, saving: false, again: false, timer: null };

function renderReport(room, mine) {
  const rapporteur = room.rapporteur;
  $("#report-volunteer").hidden = Boolean(rapporteur);
  $("#report-other").hidden = !rapporteur || mine;
  $("#report-mine").hidden = !mine;
  if (rapporteur && !mine) {
    $("#report-by").textContent = `${rapporteur.name} reports back to the plenary. Their report so far:`;
    $("#report-read").textContent = room.report || "Nothing written yet.";
  }
  if (!mine) return;
  const box = $("#report-text");
  if (report.room !== room.room) {  // another room's report (a new round): start from what that room has
    report.room = room.room;
    report.dirty = false;
    clearTimeout(report.timer);
    box.value = room.report;
    reportStatus("");
  }
  if (!report.dirty && document.activeElement !== box && box.value !== room.report) box.value = room.report;
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
  reportStatus("Saving…");
  try {
    await socket.request("write_report", { text });
    $("#report-error").textContent = "";
    if (box.value === text) {
      report.dirty = false;
      const at = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      reportStatus(`Saved ${at}`);
    } else {
      reportStatus("Not saved yet…");
    }
  } catch (err) {
    reportStatus("Not saved");
    $("#report-error").textContent = err.code === "offline" ? "Not saved: no connection. It saves when the connection is back." : err.message;
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
  reportStatus("Not saved yet…");
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
  if (!text) { $("#note-error").textContent = "Write something first."; return; }
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
    $("#breakouts-countdown").textContent = `Everyone is back in the plenary in ${clock(left)}`;
  } else {
    const left = secondsLeft(socket, r.ends_at);
    const over = left <= 0;
    $("#room-countdown").textContent = over ? "Time's up" : clock(left);
    $("#room-time-words").textContent = over ? "— the facilitator will call you back" : "left in this round";
    $("#room-time").classList.toggle("warn", left <= 60);
    $("#breakouts-countdown").textContent = over ? "Time's up: rooms are finishing" : `${clock(left)} left in this round`;
    if (here && left <= 60 && left > 0 && warnedRound !== r.round) {
      warnedRound = r.round;
      announce("One minute left in this round.");
    }
  }
  const room = myRoom();
  const speaker = room && room.stack.speaker;
  if (speaker && speaker.deadline) {
    const left = secondsLeft(socket, speaker.deadline);
    const countdown = $("#floor-countdown");
    countdown.textContent = left < 0 ? `Over time by ${clock(-left)}` : `${clock(left)} left in this turn`;
    countdown.classList.toggle("over", left < 0);
  }
}

// --- the assembly: agenda, vote, temperature, proposals, written points, group -----------

let ballotFor = null; // the vote whose choices are on screen (rebuilt only when it changes)

function renderAssembly() {
  const agenda = phone.agenda || { items: [], current: null, approved: false };
  $("#item").hidden = !agenda.current || Boolean(me.rooms);  // inside a breakout room the plenary's item waits
  if (agenda.current) $("#item-title").textContent = agenda.current.title;
  $("#agenda-state").textContent = agenda.approved ? "(approved)" : "(draft: not approved yet)";
  $("#agenda").replaceChildren(...agenda.items.map((i) =>
    el("li", { class: i.status }, `${i.title} (${i.minutes} min)`,
      i.status === "current" ? el("strong", {}, " — now") : i.status === "done" ? " — done" : "")));
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
  if (!vote) return;
  $("#vote-heading").textContent = vote.open ? (vote.secret ? "Secret vote — open" : "Vote — open") : "Vote closed";
  $("#vote-question").textContent = vote.question;
  $("#vote-rule").textContent = `Rule: ${vote.rule_words}.`;
  const key = `${vote.vote}:${vote.open}`;
  if (ballotFor !== key) {
    ballotFor = key;
    const type = vote.multi ? "checkbox" : "radio";
    $("#ballot-choices").replaceChildren(
      el("legend", {}, vote.multi ? "Your ballot (choose one or more)" : "Your ballot"),
      ...vote.choices.map((c) => el("label", { class: "kind" },
        el("input", { type, name: "choice", value: c.choice, onchange: reasonBox }), ` ${c.label}`)));
    $("#ballot-reason").value = "";
    $("#ballot-error").textContent = "";
  }
  const mine = me.ballot && me.ballot.vote === vote.vote ? me.ballot : null;
  if (mine && document.activeElement?.name !== "choice") {
    for (const input of document.querySelectorAll('input[name="choice"]')) input.checked = mine.choices.includes(input.value);
  }
  reasonBox();
  $("#ballot-form").hidden = !vote.open;
  $("#cast").textContent = mine ? "Change my ballot" : "Cast ballot";
  const labels = Object.fromEntries(vote.choices.map((c) => [c.choice, c.label]));
  $("#my-ballot").textContent = mine
    ? `Your ballot: ${mine.choices.map((c) => labels[c]).join(", ")}.` +
      (vote.secret ? ` Receipt ${mine.receipt}: find it in the minutes after the close.` : "") +
      (vote.open ? " You can change it until the vote closes." : "")
    : (vote.open ? "You haven't voted yet." : "");
  const result = vote.result;
  $("#vote-result").hidden = !result;
  if (result) {
    $("#outcome").textContent = result.label;
    $("#outcome").className = `outcome ${result.outcome}`;
    $("#outcome-words").textContent = result.words;
  }
  // While the vote is open its running figures come in the live view.
  const figures = vote.open ? (live.vote?.vote === vote.vote ? live.vote : { turnout: 0, counts: null }) : vote;
  $("#vote-tally").textContent = figures.counts
    ? vote.choices.map((c) => `${c.label} ${figures.counts[c.choice]}`).join(" · ") + ` — ${figures.turnout} ballots`
    : `${figures.turnout} ballots so far` + (vote.hidden ? " (results are shown when the vote closes)" : "");
}

function chosen() {
  return [...document.querySelectorAll('input[name="choice"]:checked')].map((i) => i.value);
}

function reasonBox() {
  const picked = chosen();
  const needs = picked.includes("block") || picked.includes("stand_aside");
  $("#reason-box").hidden = !needs;
  $("#reason-label").textContent = picked.includes("block")
    ? "Why do you block? (required: a block is a serious objection)"
    : "Your reason (optional)";
}

$("#ballot-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const vote = phone.vote;
  const picked = chosen();
  const error = $("#ballot-error");
  if (!picked.length) { error.textContent = "Choose first."; return; }
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

function renderProposals() {
  const mineId = me.participant?.id;
  $("#proposals").replaceChildren(...(phone.proposals || []).map((p) => {
    const amendments = p.amendments.map((a) => el("li", {},
      el("span", {}, `Amendment by ${a.by || "the facilitator"}: “${a.text}”`),
      p.proposer_id === mineId
        ? el("button", { type: "button", class: "small secondary", "aria-label": `Accept the amendment by ${a.by}`,
            onclick: () => act("accept_amendment", { amendment: a.amendment }) }, "Accept")
        : null));
    const form = el("form", { class: "amend", novalidate: true, onsubmit: (event) => {
      event.preventDefault();
      const text = event.target.querySelector("textarea").value.trim();
      if (text) act("amend", { proposal: p.proposal, text });
    } },
    el("label", { for: `amend-${p.proposal}` }, "New wording"),
    el("textarea", { id: `amend-${p.proposal}`, rows: 3, maxlength: 1000 }),
    el("button", { type: "submit", class: "small secondary" }, "Propose amendment"));
    return el("li", { class: "proposal" },
      el("p", { class: "question" }, p.text),
      el("p", { class: "reason" }, `Proposed by ${p.proposer}`),
      amendments.length ? el("ul", { class: "plain" }, ...amendments) : null,
      el("details", {}, el("summary", {}, "Amend it"), form));
  }));
  if (!(phone.proposals || []).length) $("#proposals").replaceChildren(el("li", { class: "reason" }, "No proposal on the table."));
}

function renderPoints() {
  const upvoted = new Set(me.upvoted || []);
  const mine = new Set(me.points || []);
  $("#points").replaceChildren(...(phone.points || []).map((p) => el("li", { class: "point" },
    el("p", {}, p.text),
    el("p", { class: "reason" }, `${p.author} · ${p.upvotes} upvote${p.upvotes === 1 ? "" : "s"}`),
    mine.has(p.point)
      ? el("button", { type: "button", class: "small secondary", onclick: () => act("withdraw_point", { point: p.point }) }, "Withdraw")
      : el("button", { type: "button", class: "small secondary", "aria-pressed": String(upvoted.has(p.point)),
          "aria-label": `Upvote: ${p.text}`, onclick: () => act("upvote_point", { point: p.point, up: !upvoted.has(p.point) }) },
          upvoted.has(p.point) ? "Upvoted" : "Upvote"))));
}

function renderGroups() {
  const groups = phone.groups || [];
  $("#group-box").hidden = !groups.length;
  const select = $("#group");
  const wanted = ["", ...groups].join("\n");
  if (select.dataset.groups !== wanted) {
    select.dataset.groups = wanted;
    select.replaceChildren(el("option", { value: "" }, "I'd rather not say"), ...groups.map((g) => el("option", { value: g }, g)));
  }
  if (document.activeElement !== select) select.value = me.group || "";
}
$("#group").addEventListener("change", (event) => act("declare_group", { group: event.target.value }));

function formAct(form, textarea, error, type, fields) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(textarea);
    const sent = values([input]);
    const text = input.value.trim();
    if (!text) { $(error).textContent = "Write something first."; return; }
    if (await act(type, fields(text), $(error))) clearSent([input], sent);
  });
}
formAct("#propose-form", "#proposal-text", "#propose-error", "propose", (text) => ({ text }));
formAct("#point-form", "#point-text", "#point-error", "post_point", (text) => ({ text, anonymous: $("#point-anonymous").checked }));
formAct("#item-form", "#item-text", "#item-error", "propose_item", (title) => ({ title }));

function tick() {
  if (me.status === "joined") tickRooms();
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
  if (left < 0 && up.hidden && navigator.vibrate) navigator.vibrate([200, 100, 200]);  // a gentle signal
  up.hidden = left >= 0;
}
setInterval(tick, 250);

async function act(type, fields = {}, error = $("#phone-error")) {
  try {
    await socket.request(type, fields);
    error.textContent = "";
    return true;
  } catch (err) {
    error.textContent = err.message;
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
  if (!name) { error.textContent = "Please type your name."; $("#name").focus(); return; }
  error.textContent = "";
  $("#join-button").disabled = true;
  try {
    const ack = await socket.request("join", scannedRoom ? { name, room: scannedRoom } : { name });
    localStorage.setItem(tokenKey, ack.token);
  } catch (err) {
    error.textContent = err.message;
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
    error.textContent = err.message;
  }
});

$("#rejoin").addEventListener("click", () => {
  localStorage.removeItem(tokenKey);
  me = { status: "guest", participant: null };
  socket.restart();
  render();
});

render();
socket.connect();
