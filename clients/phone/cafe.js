// World Café on the phone: "I'll host a table" while the café is set up, where you sit (or go) each
// round at the top of the page ("Round 2: go to table 7 — Oak", with a short vibration and said to
// screen readers), the round's question that matters and its countdown, and at the table: its people
// (the host marked, who is new this round), its key ideas (anyone seated adds short lines; the host
// marks the strongest), the host's summary for welcoming the next group, and the table's own stack
// (phone.js moves the stack cards into #cafe-stack-slot).  After the last round, the harvest: every
// table's ideas, starred from any table; once closed, the most starred first.
//
// phone.js owns the socket and the views and calls renderCafe() on every render with the phone view,
// the me view and the room view of the table this phone sits at (if it came).  Everything here is
// built once (fixed markup, no one's text) and then filled with textContent: names, questions and
// ideas from people are never parsed as HTML.  What someone is typing survives every re-render.
import { el, $, secondsLeft, clock } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { t, tn, translatePage } from "/static/shared/i18n.js";

let ctx = null;        // {socket, act, needYou, render}: from phone.js
let cafe = null;       // phone.cafe
let mine = null;       // me.cafe
let table = null;      // the room view of my table (room.cafe)
let warned = null;     // the round whose last minute was announced
let myId = "";
const scanned = new URLSearchParams(location.search).get("room") || "";

// Words from the cafe-phone catalogue (keys cafe.phone.*); the fixed markup below carries data-i18n,
// worded when built and again by translatePage on a change of language.
const w = (key, params) => t(`cafe.phone.${key}`, params);
const wn = (key, count, params) => tn(`cafe.phone.${key}`, count, params);

/** How a sentence names a table ("table 7 — Oak"; "table 7" unnamed), worded here from its number and name. */
const tableWords = (x) => (x.name ? w("table.named", { number: x.number, name: x.name }) : w("table.number", { number: x.number }));
/** How a heading names it ("Table 7 — Oak"). */
const tableTitle = (x) => (x.name ? w("table.title_named", { number: x.number, name: x.name }) : w("table.title", { number: x.number }));

const TOP = `
  <p class="room-kicker" id="cafe-kicker" data-i18n="cafe.phone.kicker">World Café</p>
  <h2 id="cafe-go" class="room-go cafe-go"></h2>
  <p id="cafe-question" class="room-question cafe-question"></p>
  <p id="cafe-time" class="room-time"><span id="cafe-countdown" class="room-countdown" role="timer" aria-live="off"></span>
    <span id="cafe-time-words"></span></p>
  <p id="cafe-coming" class="cafe-coming" hidden></p>`;

const BODY = `
  <section id="cafe-volunteer" class="card" hidden aria-labelledby="cafe-volunteer-heading">
    <h3 id="cafe-volunteer-heading" data-i18n="cafe.phone.volunteer.heading">Host a table?</h3>
    <p class="reason" data-i18n="cafe.phone.volunteer.help">A table host stays at the same table for every round and welcomes each new group
      with a short summary of what was said. The travellers move.</p>
    <p id="cafe-volunteered" class="cafe-ok" hidden data-i18n="cafe.phone.volunteer.done">You offered to host a table. The facilitator picks the hosts.</p>
    <button type="button" id="cafe-volunteer-button">I'll host a table</button>
    <p class="error-text" id="cafe-volunteer-error" role="alert"></p>
  </section>

  <section id="cafe-unseated" class="card" hidden aria-labelledby="cafe-unseated-heading">
    <h3 id="cafe-unseated-heading" data-i18n="cafe.phone.unseated.heading">You have no seat yet</h3>
    <p class="reason" id="cafe-unseated-words">Plaza seats you at a table where you meet the most new people.</p>
    <button type="button" id="cafe-take-seat" data-i18n="cafe.phone.unseated.take">Take a seat</button>
    <p class="error-text" id="cafe-seat-error" role="alert"></p>
  </section>

  <section id="cafe-table" class="card cafe-table" hidden aria-labelledby="cafe-table-heading">
    <h3 id="cafe-table-heading"></h3>
    <ul id="cafe-people" class="plain people cafe-people" aria-labelledby="cafe-table-heading"></ul>

    <div id="cafe-summary-mine" class="cafe-summary" hidden>
      <label for="cafe-summary-text" id="cafe-summary-label" data-i18n="cafe.phone.summary.label">Your welcome summary for the next group</label>
      <p class="reason" id="cafe-summary-help" data-i18n="cafe.phone.summary.help">You host this table: a few lines on what was said, to welcome the travellers who come next.</p>
      <textarea id="cafe-summary-text" rows="4" maxlength="1000" aria-describedby="cafe-summary-help cafe-summary-status"></textarea>
      <p class="cafe-summary-meta"><span id="cafe-summary-status" class="muted" aria-live="polite"></span></p>
      <button type="button" id="cafe-summary-save" class="secondary" data-i18n="cafe.phone.summary.save">Save the summary</button>
      <p class="error-text" id="cafe-summary-error" role="alert"></p>
    </div>
    <section id="cafe-summary-read" class="cafe-summary" hidden aria-labelledby="cafe-summary-read-heading">
      <h4 id="cafe-summary-read-heading" data-i18n="cafe.phone.summary.read_heading">The host's summary so far</h4>
      <p id="cafe-summary-shown" class="cafe-summary-shown"></p>
    </section>

    <section class="cafe-notes" aria-labelledby="cafe-notes-heading">
      <h4 id="cafe-notes-heading" data-i18n="cafe.phone.notes.heading">Key ideas at this table</h4>
      <p class="reason" id="cafe-notes-help">Short lines anyone at the table adds.</p>
      <p id="cafe-no-notes" class="muted" data-i18n="cafe.phone.notes.none">No idea written yet.</p>
      <ul id="cafe-notes" class="plain notes cafe-note-list" aria-labelledby="cafe-notes-heading"></ul>
      <p class="error-text" id="cafe-mark-error" role="alert"></p>
      <form id="cafe-note-form" novalidate>
        <label for="cafe-note-text" data-i18n="cafe.phone.notes.label">A key idea</label>
        <input type="text" id="cafe-note-text" maxlength="200" enterkeyhint="send" autocomplete="off" aria-describedby="cafe-note-error">
        <p class="error-text" id="cafe-note-error" role="alert"></p>
        <button type="submit" class="secondary" data-i18n="cafe.phone.notes.add">Add idea</button>
      </form>
    </section>
    <div id="cafe-stack-slot"></div>
    <p><button type="button" id="cafe-leave" class="danger small" data-i18n="cafe.phone.leave">I'm leaving the café</button></p>
    <p class="error-text" id="cafe-leave-error" role="alert"></p>
  </section>

  <section id="cafe-harvest" class="card cafe-harvest" hidden tabindex="-1" aria-labelledby="cafe-harvest-heading">
    <h3 id="cafe-harvest-heading">Harvest</h3>
    <p class="reason" id="cafe-harvest-help">Star the ideas that matter most to you, from any table. The most starred rise.</p>
    <p id="cafe-my-stars" class="cafe-ok" aria-live="polite"></p>
    <ol id="cafe-ranking" class="cafe-ranking" hidden aria-label="The most starred ideas" data-i18n-attr="aria-label:cafe.phone.harvest.ranking"></ol>
    <div id="cafe-harvest-tables"></div>
    <p class="error-text" id="cafe-star-error" role="alert"></p>
  </section>`;

/** Build the café's parts once and wire them; ``context`` gives socket, act(type, fields, errorNode), needYou, render. */
export function initCafe(context) {
  ctx = context;
  const top = el("section", { id: "cafe-top", class: "room-top cafe-top", hidden: true, tabindex: "-1", "aria-labelledby": "cafe-go" });
  top.innerHTML = TOP;  // fixed markup: every text from people is set with textContent
  $("#joined").prepend(top);
  translatePage(top);
  const body = el("div", { id: "cafe", hidden: true });
  body.innerHTML = BODY;
  $("#phone-error").after(body);
  translatePage(body);

  $("#cafe-volunteer-button").addEventListener("click", () =>
    ctx.act("volunteer_host", { on: !(mine && mine.volunteered) }, $("#cafe-volunteer-error")));
  $("#cafe-take-seat").addEventListener("click", () => {
    const fields = scanned.startsWith("c") ? { table: scanned } : {};
    ctx.act("take_seat", fields, $("#cafe-seat-error"));
  });
  $("#cafe-leave").addEventListener("click", () => ctx.act("leave_cafe", {}, $("#cafe-leave-error")));
  $("#cafe-note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#cafe-note-text");
    const text = input.value.trim();
    if (!text) { $("#cafe-note-error").textContent = w("notes.first"); input.focus(); return; }
    const fields = table ? { text, room: table.room } : { text };
    if (await ctx.act("add_note", fields, $("#cafe-note-error")) && input.value.trim() === text) input.value = "";
  });
  const box = $("#cafe-summary-text");
  box.addEventListener("input", () => { box.dataset.dirty = "1"; setText($("#cafe-summary-status"), w("summary.unsaved")); });
  $("#cafe-summary-save").addEventListener("click", saveSummary);
}

async function saveSummary() {
  const box = $("#cafe-summary-text");
  const text = box.value;
  if (await ctx.act("host_summary", { text }, $("#cafe-summary-error"))) {
    if (box.value === text) delete box.dataset.dirty;
    setText($("#cafe-summary-status"), w("summary.saved"));
  }
}

/** Where the café is on this phone: shown while the café is the meeting's part, or you have a seat or a harvest. */
export function renderCafe(phone, me, room) {
  cafe = phone.cafe || null;
  mine = (me.status === "joined" && me.cafe) || null;
  table = room && room.cafe ? room : null;
  myId = me.participant ? me.participant.id : "";
  const on = Boolean(cafe && mine && (cafe.part === "cafe" || mine.seat || cafe.harvest));
  $("#cafe").hidden = !on;
  document.body.classList.toggle("cafe-on", on);
  if (!on) { $("#cafe-top").hidden = true; return; }
  renderTop();
  renderVolunteer();
  renderUnseated();
  renderTable();
  renderHarvest();
}

function running() {
  return cafe.phase === "round";
}

function renderTop() {
  const seat = mine.seat;
  const top = $("#cafe-top");
  const harvest = cafe.phase === "harvest" || cafe.phase === "closed";
  top.hidden = harvest || (!seat && !cafe.question && cafe.phase === "setup");
  if (top.hidden) return;
  const kicker = cafe.phase === "round"
    ? cafe.rounds ? w("top.round_of", { round: cafe.round, rounds: cafe.rounds }) : w("top.round", { round: cafe.round })
    : cafe.phase === "between" ? w("top.round_over", { round: cafe.round - 1 })
      : cafe.phase === "done" ? w("top.all_over") : w("kicker");
  setText($("#cafe-kicker"), kicker);
  const go = seat ? seatWords(seat) : cafe.phase === "done" ? w("top.harvest_next") : w("top.waiting");
  setText($("#cafe-go"), go);
  const moving = Boolean(seat && seat.moving);
  top.classList.toggle("moving", moving);
  $("#cafe-go").classList.toggle("long", go.length > 34);
  setText($("#cafe-question"), cafe.question || "");
  $("#cafe-question").hidden = !cafe.question;
  // Between rounds the host's phone lists who is coming to the table.
  const coming = mine.hosting && !running() ? mine.hosting.coming : [];
  $("#cafe-coming").hidden = !coming.length;
  setText($("#cafe-coming"), coming.length ? w("top.coming", { names: coming.join(t("common.list.separator")) }) : "");
  if (seat) {  // a new table to go to (or the first): unmissable, once per round
    const key = `cafe:${seat.round}:${seat.table}:${running() ? "at" : "go"}`;
    if (!running()) {
      ctx.needYou(key, go, t("common.show"), top,
        () => Boolean(mine && mine.seat && mine.seat.round === seat.round && !running()),
        go, moving ? [300] : [120]);
    }
  }
  tickCafe();
}

/**
 * Where to sit this round, in words: "Round 2: go to table 7 — Oak" (the server's ``go``, worded
 * here from the seat: during a round where you sit; between rounds stay as host, stay, or go).
 */
function seatWords(seat) {
  const table = tableWords(seat);
  const round = seat.round;
  if (running()) return w("seat.at", { round, table });
  if (seat.host) return w("seat.host", { round, table });
  return seat.moving ? w("seat.go", { round, table }) : w("seat.stay", { round, table });
}

function renderVolunteer() {
  const show = Boolean(cafe.volunteering) && !mine.hosting;
  $("#cafe-volunteer").hidden = !show;
  if (!show) return;
  $("#cafe-volunteered").hidden = !mine.volunteered;
  setText($("#cafe-volunteer-button"), mine.volunteered ? w("volunteer.withdraw") : w("volunteer.offer"));
  $("#cafe-volunteer-button").className = mine.volunteered ? "secondary" : "";
}

function renderUnseated() {
  const seating = ["round", "between", "seated"].includes(cafe.phase);
  const show = seating && !mine.seat;
  $("#cafe-unseated").hidden = !show;
  if (show) {
    setText($("#cafe-unseated-words"), scanned.startsWith("c") ? w("unseated.scanned") : w("unseated.help"));
  }
}

function renderTable() {
  const show = Boolean(table && mine.seat && table.room === mine.seat.table);
  $("#cafe-table").hidden = !show;
  if (!show) return;
  const hosting = Boolean(mine.hosting && mine.hosting.table === table.room);
  const at = running() || !mine.seat.moving ? "table.at" : "table.next";  // between rounds the room is where you go
  setText($("#cafe-table-heading"), wn(at, table.people.length, { table: tableWords(table) }));
  keyed($("#cafe-people"), table.people, (p) => p.id,
    () => el("li", { class: "person" }, el("span", { class: "person-name" }), " ", el("span", { class: "person-tags" })),
    (li, p) => {
      li.classList.toggle("away", !p.present);
      li.classList.toggle("host", p.host);
      li.children[0].textContent = p.id === myId ? t("phone.person.you", { name: p.name }) : p.name;
      const tags = [p.host ? w("person.host") : "", p.new ? w("person.new") : "", p.present ? "" : t("phone.person.away")].filter(Boolean);
      li.children[1].textContent = tags.join(" · ");
      li.children[1].classList.toggle("rapporteur", p.host);
    });

  // The host's summary: the host writes it; the others read it.
  $("#cafe-summary-mine").hidden = !hosting;
  $("#cafe-summary-read").hidden = hosting || !table.summary;
  if (hosting) {
    const box = $("#cafe-summary-text");
    if (!box.dataset.dirty && document.activeElement !== box && box.dataset.synced !== table.summary) {
      box.value = table.summary;
      box.dataset.synced = table.summary;
    }
  } else {
    setText($("#cafe-summary-shown"), table.summary || "");
  }

  setText($("#cafe-notes-help"), hosting ? w("notes.help_host") : w("notes.help"));
  $("#cafe-no-notes").hidden = table.notes.length > 0;
  keyed($("#cafe-notes"), table.notes, (n) => n.note,
    (n) => {
      const mark = el("button", { type: "button", class: "secondary small cafe-mark" });
      mark.addEventListener("click", () => {
        const strong = mark.getAttribute("aria-pressed") !== "true";
        ctx.act("mark_note", { note: n.note, strong }, $("#cafe-mark-error"));
      });
      return el("li", { class: "note cafe-note" },
        el("span", { class: "cafe-strong-tag", hidden: true, "data-i18n": "cafe.phone.notes.strongest" }, w("notes.strongest")),
        el("span", { class: "note-text" }), el("span", { class: "note-by" }), mark);
    },
    (li, n) => {
      const [tag, text, by, mark] = li.children;
      li.classList.toggle("strong", n.strong);
      tag.hidden = !n.strong;
      setText(text, n.text);
      setText(by, n.round ? w("notes.by_round", { name: n.by, round: n.round }) : w("notes.by", { name: n.by }));
      mark.hidden = !hosting;
      setText(mark, n.strong ? w("notes.unmark") : w("notes.mark"));
      mark.setAttribute("aria-pressed", String(n.strong));
      mark.setAttribute("aria-label", w(n.strong ? "notes.unmark_label" : "notes.mark_label", { text: n.text }));
    });
  $("#cafe-note-form").hidden = Boolean(table.closed);
}

function renderHarvest() {
  const harvest = cafe.harvest;
  $("#cafe-harvest").hidden = !harvest;
  if (!harvest) return;
  const stars = new Set(mine.stars || []);
  const closed = !harvest.open;
  setText($("#cafe-harvest-heading"), closed ? w("harvest.heading_closed") : w("harvest.heading"));
  setText($("#cafe-harvest-help"), closed ? w("harvest.help_closed") : w("harvest.help"));
  setText($("#cafe-my-stars"), wn("harvest.my_stars", stars.size));
  const ideas = {};
  for (const table of harvest.tables) for (const i of table.ideas) ideas[i.note] = { ...i, label: tableWords(table) };
  const ranking = (harvest.ranking || []).filter((r) => ideas[r.note]).slice(0, 10);
  $("#cafe-ranking").hidden = !ranking.length;
  keyed($("#cafe-ranking"), ranking, (r) => r.note, () => el("li", {}, el("span", { class: "cafe-idea" }), el("span", { class: "note-by" })),
    (li, r) => {
      setText(li.children[0], ideas[r.note].text);
      setText(li.children[1], wn("harvest.ranked_by", r.stars, { table: ideas[r.note].label }));
    });
  keyed($("#cafe-harvest-tables"), harvest.tables, (x) => x.table,
    (x) => el("section", { class: "cafe-harvest-table", "aria-labelledby": `cafe-h-${x.table}` },
      el("h4", { id: `cafe-h-${x.table}` }), el("ul", { class: "plain cafe-ideas" })),
    (section, x) => {
      const shown = harvest.shown === x.table;
      section.classList.toggle("shown", shown);
      setText(section.children[0], shown ? w("harvest.table_shown", { table: tableTitle(x) }) : tableTitle(x));
      keyed(section.children[1], x.ideas, (i) => i.note,
        (i) => {
          const star = el("button", { type: "button", class: "secondary small cafe-star" });
          star.addEventListener("click", () => {
            const on = star.getAttribute("aria-pressed") !== "true";
            ctx.act("star_note", { note: i.note, on }, $("#cafe-star-error"));
          });
          return el("li", { class: "cafe-idea-row" }, el("span", { class: "cafe-idea" }), star);
        },
        (li, i) => {
          const [text, star] = li.children;
          setText(text, i.strong ? w("harvest.strong", { text: i.text }) : i.text);
          const on = stars.has(i.note);
          li.classList.toggle("starred", on);
          star.setAttribute("aria-pressed", String(on));
          star.setAttribute("aria-label", w("harvest.star_label", { text: i.text }));
          setText(star, on ? w("harvest.starred") : w("harvest.star"));
          star.disabled = closed;
        });
    });
}

/** The countdowns: the round's time left (with the minute warning), or when the next round starts. */
export function tickCafe() {
  if (!cafe || !mine || $("#cafe-top").hidden) return;
  const time = $("#cafe-time");
  let words = "", count = "";
  let warn = false;
  if (cafe.phase === "round" && cafe.ends_at) {
    const left = secondsLeft(ctx.socket, cafe.ends_at);
    count = left > 0 ? clock(left) : w("time.up");
    words = left > 0 ? w("time.left") : w("time.ends_now");
    warn = left <= 60;
    if (warn && left > 0 && warned !== cafe.round) {
      warned = cafe.round;
      ctx.announce(w("time.one_minute"));
    }
  } else if (cafe.paused) {
    words = w("time.paused");
  } else if (cafe.next_at && (cafe.phase === "between" || cafe.phase === "seated")) {
    const left = Math.max(0, secondsLeft(ctx.socket, cafe.next_at));
    count = clock(left);
    words = w("time.until", { round: cafe.round });
  } else if (cafe.phase === "seated" || cafe.phase === "between") {
    words = w("time.facilitator_starts");
  }
  setText($("#cafe-countdown"), count);
  $("#cafe-countdown").hidden = !count;
  setText($("#cafe-time-words"), words);
  time.hidden = !words && !count;
  time.classList.toggle("warn", warn);
}
