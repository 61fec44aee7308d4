// Open Space on the phone: the theme, the marketplace, the wall, "Your topics now" and the circles
// of the running slot (the Law of Two Feet), the circle you're in, the harvest, the news wall, and
// convergence (dot-voting, then the priorities that people take forward).
//
// phone.js owns the socket and the views; it calls renderOpenSpace() on every render with the
// phone view, the me view and the room view of the circle this phone is checked in to (if any).
// Everything a person types (a topic, a report) survives every re-render: lists are keyed, and a
// field is written from the server only when the server's value changed and nobody is typing in it.
// Text from people (titles, names, reports) is set as text, never parsed as HTML.
import { el, $, clearSent, values, secondsLeft, clock } from "/static/shared/socket.js";
import { keyed, keepFocus, setText } from "/static/shared/render.js";

let ctx = null;  // {socket, act, needYou}: from phone.js
let os = null;  // phone.openspace
let mine = null;  // me.openspace
let myName = "";
let seenSlot;  // the running slot we already told about (undefined until the first render)
let seenDots;  // whether dot-voting was open at the last render (undefined until the first render)

const NO_ME = { convenes: [], posted: 0, wants: [], unavailable: [], now: [], checked_in: null, reports_for: [], dots: {}, dots_left: null, adopted: [] };
const TITLE_MAX = 80;

const hm = (epoch) => new Date(epoch * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const slotWords = (s) => (s ? `${hm(s.start)}–${hm(s.end)}` : "");
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Wire the forms once; ``context`` gives the socket, act(type, fields, errorNode) and needYou(). */
export function initOpenSpace(context) {
  ctx = context;
  $("#os-title").addEventListener("input", countTitle);
  $("#os-post-form").addEventListener("submit", postTopic);
  $("#os-checkout").addEventListener("click", () => ctx.act("check_in", { topic: "" }, $("#os-checkin-error")));
  $("#os-note-form").addEventListener("submit", addNote);
}

function byId(list, key) {
  return Object.fromEntries((list || []).map((x) => [x[key], x]));
}

/** Render the Open Space part (or hide it): ``room`` is the circle's room view when checked in. */
export function renderOpenSpace(phone, me, room) {
  os = phone.openspace || null;
  const joined = me.status === "joined";
  // Not while a World Café runs, nor during the assembly if no Open Space has begun (the part switch
  // alone makes Open Space's state: switching to the café and back leaves an empty marketplace).
  const begun = Boolean(os) && (os.part === "openspace" || os.topics.length > 0 || os.news.length > 0);
  $("#os").hidden = !begun || !joined || os.part === "cafe";
  if ($("#os").hidden) return;
  mine = me.openspace || NO_ME;
  myName = me.participant.name;
  checkInScanned();
  place();
  const slots = byId(os.slots, "slot");
  const spaces = byId(os.spaces, "space");
  renderHead();
  renderNow(slots, spaces);
  renderCircles(slots, spaces);
  renderCircle(room && room.circle ? room : null);
  renderHarvest(slots);
  renderDots();
  renderPriorities();
  renderNews(phone.meeting);
  renderMine(slots, spaces);
  renderMarket(slots, spaces);
  tickOpenSpace();
}

/** A phone that had joined already and scans a circle's QR (/j/CODE?room=o7, on the device in its
 * space) says "I'm here" there, once. (A phone that joins from it is checked in by its join.) The
 * link's ?room goes from the address, so a reload later doesn't take the phone back to that circle. */
function checkInScanned() {
  const scanned = new URLSearchParams(location.search).get("room") || "";
  if (!/^o\d+$/.test(scanned)) return;
  history.replaceState(history.state, "", location.pathname);
  const topic = os.topics.find((t) => t.topic === scanned);
  if (topic && os.running && topic.slot === os.running && mine.checked_in !== scanned) {
    ctx.act("check_in", { topic: scanned }, $("#os-checkin-error"));
  }
}

/** While the Open Space part runs it comes first; during the assembly it waits after the agenda. */
function place() {
  const home = os.part === "openspace" ? $("#os-home-top") : $("#os-home-end");
  if (home.nextElementSibling !== $("#os")) keepFocus(() => home.after($("#os")));
}

function renderHead() {
  setText($("#os-heading"), os.theme || "Open Space");
  $("#os-kicker").hidden = !os.theme;
}

// --- the running slot: "Your topics now", and every circle to check in to --------------------

function running(slots) {
  return os.running ? slots[os.running] || null : null;
}

function renderNow(slots, spaces) {
  const slot = running(slots);
  $("#os-now").hidden = !slot;
  if (!slot) {
    if (seenSlot === undefined) seenSlot = null;
    return;
  }
  setText($("#os-now-slot"), `Slot ${slotWords(slot)}`);
  keyed($("#os-now-list"), mine.now, (t) => t.topic,
    () => el("li", {}, el("strong", { class: "os-now-title" }), el("span", { class: "os-now-go" })),
    (li, t) => {
      setText(li.children[0], t.title);
      setText(li.children[1], ` — go to ${t.space || "(no space)"}${t.convener ? " (you convene it)" : ""}`);
    });
  $("#os-now-none").hidden = mine.now.length > 0;
  const here = mine.checked_in ? os.topics.find((t) => t.topic === mine.checked_in) : null;
  const where = here && spaces[here.space] ? ` (${spaces[here.space].name})` : "";
  setText($("#os-here"), here ? `You're checked in to ${here.title}${where}.` : "You're not checked in to a circle.");
  // A slot starting is news: where to go, at the top of the screen. The phone view says the slot
  // runs, this phone's me says which of its topics meet in it; they may come in either order, so the
  // news waits (a moment at most) for a "now" that is about this slot.
  if (seenSlot !== undefined && seenSlot !== slot.slot) {
    const id = slot.slot;
    slotNews = id;
    setTimeout(() => { if (slotNews === id) { tellSlot(id, []); ctx.render(); } }, SLOT_NEWS_WAIT_MS);
  }
  seenSlot = slot.slot;
  const inSlot = new Set(os.topics.filter((t) => t.slot === slot.slot).map((t) => t.topic));
  if (slotNews === slot.slot && mine.now.length && mine.now.every((t) => inSlot.has(t.topic))) tellSlot(slot.slot, mine.now);
}

let slotNews = null;  // the slot whose start is still to be told
const SLOT_NEWS_WAIT_MS = 1500;

function tellSlot(id, now) {
  slotNews = null;
  const words = now.length
    ? `Your topics now: ${now.map((t) => `${t.title} (${t.space})`).join(", ")}`
    : "The circles have started: go to any of them.";
  ctx.needYou(`slot:${id}`, words, "Show", $("#os-now"), () => Boolean(os) && os.running === id && !(mine && mine.checked_in), words);
}

function renderCircles(slots, spaces) {
  const slot = running(slots);
  $("#os-circles").hidden = !slot;
  if (!slot) return;
  const order = os.spaces.map((s) => s.space);
  const circles = os.topics.filter((t) => t.slot === slot.slot)
    .sort((a, b) => order.indexOf(a.space) - order.indexOf(b.space));
  const now = new Set(mine.now.map((t) => t.topic));
  keyed($("#os-circle-list"), circles, (t) => t.topic, (t) => {
    const button = el("button", { type: "button", class: "small" });
    button.addEventListener("click", () => ctx.act("check_in", { topic: t.topic }, $("#os-checkin-error")));
    return el("li", { class: "os-circle-choice" },
      el("span", { class: "os-circle-name" }), el("span", { class: "os-circle-where" }),
      el("span", { class: "os-circle-here" }, "You're here"), button);
  }, (li, t) => {
    const [name, where, here, button] = li.children;
    const space = spaces[t.space] ? spaces[t.space].name : "";
    setText(name, t.title);
    setText(where, [space, now.has(t.topic) ? "one of your topics" : ""].filter(Boolean).join(" · "));
    const isHere = mine.checked_in === t.topic;
    li.classList.toggle("here", isHere);
    here.hidden = !isHere;
    button.hidden = isHere;
    setText(button, mine.checked_in ? "Move here" : "I'm here");
    button.setAttribute("aria-label", `${mine.checked_in ? "Move to" : "I'm here:"} ${t.title}${space ? `, ${space}` : ""}`);
  });
  $("#os-checkout").hidden = !mine.checked_in;
}

// --- the circle this phone is checked in to: where, its reporter, its own stack, its notes -----
//
// (Who is in the circle is not in a phone's view: it changes with every move, and each move would
// resend the view to the whole circle. The space's device and the wall's headcount show it.)

let circleShown = null;  // the circle whose room view is on screen

function renderCircle(room) {
  circleShown = room ? room.room : null;
  $("#os-circle").hidden = !room;
  if (!room) return;
  setText($("#os-circle-heading"), room.name);
  const reporter = room.rapporteur ? room.rapporteur.name : "";
  setText($("#os-circle-where"), [room.space, reporter ? `reporter: ${reporter}` : ""].filter(Boolean).join(" · "));
  renderNotes($("#os-notes"), room.notes);
}

function renderNotes(list, notes) {
  keyed(list, notes, (n) => n.note, () => el("li", { class: "note" },
    el("span", { class: "note-text" }), el("span", { class: "note-by" })), (li, n) => {
    setText(li.children[0], n.text);
    setText(li.children[1], ` — ${n.by}`);
  });
  list.hidden = !notes.length;
}

async function addNote(event) {
  event.preventDefault();
  const input = $("#os-note-text");
  const sent = values([input]);
  const text = input.value.trim();
  if (!text) { $("#os-note-error").textContent = "Write something first."; return; }
  // Named: a phone that moved on while typing is told, instead of the note landing in the other circle.
  if (await ctx.act("add_note", { text, room: circleShown || "" }, $("#os-note-error"))) clearSent([input], sent);
}

// --- the harvest: the reporter writes the circle's report --------------------------------------
//
// One form per circle this phone reports for, once its slot has started (or a report exists), with
// the circle's notes. The fields come from the server's report only when that report changed and the
// form has no unsaved typing. Who took part: the first save sends no list, and the server fills in
// everyone who checked in to the circle (a phone's view doesn't carry who is in a circle); the list
// then shows in the form, to edit, and from then on the form sends it as it stands.

const harvests = new Map();  // topic -> {synced, dirty, edited, report}
const HARVEST_FIELDS = [["key_points", "Key points"], ["proposals", "Proposals"], ["next_steps", "Next steps"]];

function renderHarvest(slots) {
  const news = byId(os.news, "topic");
  const topics = os.topics.filter((t) => mine.reports_for.includes(t.topic)
    && (news[t.topic] || (t.slot && slots[t.slot] && slots[t.slot].started)));
  keyed($("#os-harvest"), topics, (t) => t.topic, createHarvest, (form, t) => updateHarvest(form, t, news[t.topic]));
}

function createHarvest(t) {
  const id = t.topic;
  const state = { synced: null, dirty: false, edited: false, report: null };
  harvests.set(id, state);
  const field = (key, label, rows, help) => {
    const box = el("textarea", { id: `hv-${id}-${key}`, name: key, rows, maxlength: 1000,
      "aria-describedby": [help ? `hv-${id}-${key}-help` : "", `hv-${id}-error`].filter(Boolean).join(" ") });
    return [el("label", { for: box.id }, label), help ? el("p", { class: "reason field-help", id: `hv-${id}-${key}-help` }, help) : null, box];
  };
  const people = el("textarea", { id: `hv-${id}-participants`, name: "participants", rows: 4,
    "aria-describedby": `hv-${id}-participants-help hv-${id}-error` });
  const heading = el("h3", { id: `hv-${id}-heading` });
  const form = el("form", { class: "card harvest", novalidate: true, "aria-labelledby": heading.id },
    el("p", { class: "harvest-kicker" }, "Harvest: you're the reporter"),
    heading,
    el("p", { class: "reason" }, "What you save goes on the news wall at once. Save again after a change."),
    el("div", { class: "harvest-notes", hidden: true }, el("h4", {}, "The circle's notes"), el("ul", { class: "plain notes" })),
    ...field("key_points", "Key points", 4),
    ...field("proposals", "Proposals", 3),
    ...field("next_steps", "Next steps", 3, "Who does what, by when."),
    el("label", { for: people.id }, "Who took part (one name per line)"),
    el("p", { class: "reason field-help", id: `hv-${id}-participants-help` }),
    people,
    el("p", { class: "error-text", id: `hv-${id}-error`, role: "alert" }),
    el("p", { class: "harvest-status", id: `hv-${id}-status`, "aria-live": "polite" }),
    el("button", { type: "submit", class: "harvest-save" }, "Put it on the news wall"));
  form.addEventListener("input", (event) => {
    state.dirty = true;
    if (event.target === people) state.edited = true;
    setText($(`#hv-${id}-status`), "Not saved yet");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = { topic: id };
    for (const [key] of HARVEST_FIELDS) fields[key] = form.elements[key].value;
    if (!HARVEST_FIELDS.some(([key]) => fields[key].trim())) {
      $(`#hv-${id}-error`).textContent = "Write the key points, the proposals or the next steps first.";
      return;
    }
    if (state.edited || state.synced) {
      fields.participants = people.value.split("\n").map((n) => n.trim()).filter(Boolean);
    }
    const sent = HARVEST_FIELDS.map(([key]) => form.elements[key].value).concat(people.value);
    const button = form.querySelector(".harvest-save");
    button.disabled = true;
    setText($(`#hv-${id}-status`), "Saving…");
    const ok = await ctx.act("write_harvest", fields, $(`#hv-${id}-error`));
    button.disabled = false;
    const now = HARVEST_FIELDS.map(([key]) => form.elements[key].value).concat(people.value);
    if (ok && now.every((v, i) => v === sent[i])) {
      state.dirty = false;
      syncHarvest(form, state);
      setText($(`#hv-${id}-status`), `Saved ${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: on the news wall.`);
    } else {
      setText($(`#hv-${id}-status`), ok ? "Not saved yet" : "Not saved");
    }
  });
  return form;
}

function updateHarvest(form, t, report) {
  const state = harvests.get(t.topic);
  state.report = report || null;
  setText(form.querySelector("h3"), `Report: ${t.title}`);
  setText(form.querySelector(".harvest-save"), report ? "Save the report" : "Put it on the news wall");
  const came = mine.report_people?.[t.topic] || [];
  if (!report && !state.edited) form.elements.participants.value = came.join("\n");  // who came so far
  setText(form.querySelector(`#hv-${t.topic}-participants-help`), report || state.edited
    ? "Add or remove names."
    : came.length
      ? "Everyone who checked in so far (kept up to date until you change it): add or remove names."
      : "Nobody has checked in yet: when you save, everyone who did is listed here, to edit.");
  const notes = mine.report_notes?.[t.topic] || [];
  form.querySelector(".harvest-notes").hidden = !notes.length;
  renderNotes(form.querySelector(".harvest-notes ul"), notes);
  syncHarvest(form, state);
}

/** The server's report into the form, when it changed and nothing here is unsaved. */
function syncHarvest(form, state) {
  const r = state.report;
  const key = r ? JSON.stringify([r.key_points, r.proposals, r.next_steps, r.participants]) : null;
  if (key === state.synced || state.dirty) return;
  if (r) {
    for (const [name] of HARVEST_FIELDS) form.elements[name].value = r[name];
    form.elements.participants.value = r.participants.join("\n");
  }
  state.synced = key;
}

// --- convergence: dots on reports, then the ranked priorities ----------------------------------

function renderDots() {
  const c = os.convergence;
  const open = Boolean(c && c.open);
  $("#os-dots").hidden = !open;
  if (!open) {
    if (seenDots === undefined) seenDots = false;
    seenDots = false;
    return;
  }
  if (seenDots === false) {
    ctx.needYou(`dots:${c.dots}:${os.news.length}`, `Dot-voting is open: you have ${plural(c.dots, "dot")}.`, "Vote",
      $("#os-dots"), () => Boolean(os && os.convergence && os.convergence.open) && mine.dots_left !== 0);
  }
  seenDots = true;
  const left = mine.dots_left ?? c.dots;
  setText($("#os-dots-left"), `${left} of ${plural(c.dots, "dot")} left`);
  keyed($("#os-dot-list"), os.news, (r) => r.topic, (r) => {
    const less = el("button", { type: "button", class: "small secondary dot-less" }, "−");
    const more = el("button", { type: "button", class: "small secondary dot-more" }, "+");
    const place = (by) => ctx.act("place_dots", { topic: r.topic, dots: Math.max(0, (mine.dots[r.topic] || 0) + by) }, $("#os-dots-error"));
    less.addEventListener("click", () => place(-1));
    more.addEventListener("click", () => place(1));
    return el("li", { class: "os-dot-choice" }, el("span", { class: "os-dot-title" }),
      el("span", { class: "os-dot-controls" }, less,
        el("span", { class: "os-dot-count" }, el("span", { class: "os-dot-marks", "aria-hidden": "true" }),
          el("span", { class: "os-dot-n" }), el("span", { class: "visually-hidden" })), more));
  }, (li, r) => {
    const n = mine.dots[r.topic] || 0;
    setText(li.querySelector(".os-dot-title"), r.title);
    const [marks, number, words] = li.querySelector(".os-dot-count").children;
    setText(marks, n ? `${"●".repeat(Math.min(n, 10))} ` : "");
    setText(number, String(n));
    setText(words, ` ${n === 1 ? "dot" : "dots"} on ${r.title}`);
    const less = li.querySelector(".dot-less");
    const more = li.querySelector(".dot-more");
    less.disabled = n === 0;
    more.disabled = left <= 0;
    less.setAttribute("aria-label", `Take a dot off ${r.title}`);
    more.setAttribute("aria-label", `Put a dot on ${r.title}`);
  });
}

function renderPriorities() {
  const c = os.convergence;
  const closed = Boolean(c && !c.open);
  $("#os-priorities").hidden = !closed;
  if (!closed) return;
  $("#os-no-priorities").hidden = c.priorities.length > 0;
  keyed($("#os-priority-list"), c.priorities, (p) => p.topic, (p) => {
    const button = el("button", { type: "button", class: "small secondary" }, "I'll take this forward");
    button.addEventListener("click", () => ctx.act("adopt_priority",
      { topic: p.topic, adopt: !mine.adopted.includes(p.topic) }, $("#os-adopt-error")));
    return el("li", { class: "os-priority" }, el("span", { class: "os-priority-title" }),
      el("span", { class: "os-priority-dots" }), el("span", { class: "os-priority-by" }), button);
  }, (li, p) => {
    const [title, dots, by, button] = li.children;
    setText(title, p.title);
    setText(dots, plural(p.dots, "dot"));
    setText(by, p.adopted_by.length ? `Taken forward by ${p.adopted_by.join(", ")}` : "Nobody has taken it forward yet.");
    const taken = mine.adopted.includes(p.topic);
    button.setAttribute("aria-pressed", String(taken));
    button.setAttribute("aria-label", `I'll take this forward: ${p.title}`);
  });
}

// --- the news wall ------------------------------------------------------------------------------

function renderNews(meeting) {
  $("#os-news").hidden = !os.news.length;
  if (meeting) $("#os-news-link").href = `/news/${encodeURIComponent(meeting)}`;
  const newest = [...os.news].reverse();
  keyed($("#os-news-list"), newest, (r) => r.topic, () => el("li", { class: "os-report" },
    el("details", {}, el("summary", {}, el("span", { class: "os-report-title" }), el("span", { class: "os-report-by" })),
      el("div", { class: "os-report-body" }))), (li, r) => {
    setText(li.querySelector(".os-report-title"), r.title);
    setText(li.querySelector(".os-report-by"), ` — ${r.reporter}` + (r.dots !== null ? ` · ${plural(r.dots, "dot")}` : ""));
    const body = li.querySelector(".os-report-body");
    const key = JSON.stringify([r.key_points, r.proposals, r.next_steps, r.participants]);
    if (body.dataset.report === key) return;
    body.dataset.report = key;
    const parts = [];
    for (const [name, label] of HARVEST_FIELDS) {
      if (r[name]) parts.push(el("h4", {}, label), el("p", { class: "os-report-text" }, r[name]));
    }
    parts.push(el("p", { class: "reason" }, `Took part: ${r.participants.join(", ") || "nobody recorded"}`));
    body.replaceChildren(...parts);
  });
}

// --- the wall: your topics, and every topic's cell in the marketplace --------------------------

function renderMine(slots, spaces) {
  const walled = os.topics.some((t) => t.slot);
  const wanted = new Set([...mine.wants, ...mine.convenes]);
  const topics = os.topics.filter((t) => wanted.has(t.topic) && t.slot && slots[t.slot])
    .sort((a, b) => slots[a.slot].start - slots[b.slot].start);
  $("#os-mine").hidden = !walled || !topics.length;
  keyed($("#os-mine-list"), topics, (t) => t.topic, () => el("li", {},
    el("span", { class: "os-mine-when" }), el("strong", { class: "os-mine-title" }), el("span", { class: "os-mine-where" })), (li, t) => {
    setText(li.children[0], `${slotWords(slots[t.slot])} `);
    setText(li.children[1], t.title);
    const space = spaces[t.space] ? spaces[t.space].name : "";
    setText(li.children[2], ` — ${space}${mine.convenes.includes(t.topic) ? " (you convene it)" : ""}`);
  });
}

function countTitle() {
  const n = $("#os-title").value.length;
  setText($("#os-title-count"), `${n} / ${TITLE_MAX}`);
  $("#os-title-count").classList.toggle("near", n > TITLE_MAX - 10);
}

async function postTopic(event) {
  event.preventDefault();
  const inputs = [$("#os-title"), $("#os-description")];
  const sent = values(inputs);
  const title = $("#os-title").value.trim();
  const error = $("#os-post-error");
  if (!title) { error.textContent = "Give your topic a title first."; $("#os-title").focus(); return; }
  const fields = { title };
  const description = $("#os-description").value.trim();
  if (description) fields.description = description;
  if (await ctx.act("post_topic", fields, error)) {
    clearSent(inputs, sent);
    countTitle();
  }
}

function renderMarket(slots, spaces) {
  setText($("#os-posted"), `You posted ${mine.posted} of ${plural(os.topic_limit, "topic")}` +
    (mine.posted >= os.topic_limit ? ": the most each person may post." : "."));
  $("#os-posted").classList.toggle("full", mine.posted >= os.topic_limit);
  const walled = os.topics.some((t) => t.slot);
  let topics = os.topics;
  if (walled) {  // once there is a wall, in the wall's order: by slot, then space; the rest after
    const order = os.spaces.map((s) => s.space);
    const when = (t) => (t.slot && slots[t.slot] ? slots[t.slot].start : Infinity);
    topics = [...topics].sort((a, b) => when(a) - when(b) || order.indexOf(a.space) - order.indexOf(b.space));
  }
  setText($("#os-topics-heading"), `Topics (${topics.length})`);
  $("#os-no-topics").hidden = topics.length > 0;
  keyed($("#os-topic-list"), topics, (t) => t.topic, createTopic, (li, t) => updateTopic(li, t, slots, spaces, walled));
  renderUnavailable();
}

function createTopic(t) {
  const id = t.topic;
  const error = el("p", { class: "error-text", id: `topic-error-${id}`, role: "alert" });
  const want = el("button", { type: "button", class: "small secondary want", "aria-describedby": error.id }, "I want to go");
  want.addEventListener("click", () => ctx.act("mark_interest", { topic: id, interested: !mine.wants.includes(id) }, error));
  const co = el("button", { type: "button", class: "small secondary coconvene", "aria-describedby": error.id });
  co.addEventListener("click", () => ctx.act("co_convene", { topic: id, join: !coConvening(currentTopic(id)) }, error));
  return el("li", { class: "os-topic" },
    el("p", { class: "os-topic-title" }), el("p", { class: "os-topic-description" }), el("p", { class: "os-topic-by" }),
    el("p", { class: "os-topic-cell" }),
    el("div", { class: "os-topic-actions" }, el("span", { class: "os-topic-tag" }, "You convene this"), want, co),
    createManage(id, error), error);
}

/** A convener's tools for their topic: move it on the wall, merge it into another topic, withdraw it. */
function createManage(id, error) {
  const field = (label, control) => el("label", { class: "os-manage-field" }, el("span", {}, label), control);
  const slot = el("select", { class: "os-move-slot" });
  const space = el("select", { class: "os-move-space" });
  const move = el("button", { type: "button", class: "small secondary" }, "Move");
  const done = el("p", { class: "os-manage-done", role: "status" });
  move.addEventListener("click", async () => {
    const fields = { topic: id, slot: slot.value };
    if (slot.value && space.value) fields.space = space.value;
    setText(done, "");
    if (await ctx.act("move_topic", fields, error)) setText(done, slot.value ? "Moved." : "Taken off the wall.");
  });
  const into = el("select", { class: "os-merge-into" });
  const merge = el("button", { type: "button", class: "small secondary" }, "Merge");
  merge.addEventListener("click", async () => {
    const target = currentTopic(into.value);
    if (!target) { setText(error, "Choose the topic to merge into."); into.focus(); return; }
    const own = currentTopic(id);
    if (!window.confirm(`Merge “${own ? own.title : id}” into “${target.title}”? Its conveners and the people who want it move over.`)) return;
    await ctx.act("merge_topics", { topic: id, into: target.topic }, error);
  });
  const withdraw = el("button", { type: "button", class: "small danger" }, "Withdraw this topic");
  withdraw.addEventListener("click", async () => {
    const own = currentTopic(id);
    if (!window.confirm(`Withdraw “${own ? own.title : id}” from the marketplace and the wall?`)) return;
    await ctx.act("withdraw_topic", { topic: id }, error);
  });
  return el("details", { class: "os-manage" }, el("summary", {}, "Manage this topic"),
    el("div", { class: "os-manage-move" }, field("Slot", slot), field("Space", space), move, done),
    el("div", { class: "os-manage-merge" }, field("Too few people? Merge into", into), merge),
    el("div", { class: "os-manage-withdraw" }, withdraw));
}

/** Fill a select's options, keeping what the person chose while the choices stay the same. */
function options(select, choices) {
  const signature = JSON.stringify(choices);
  if (select.dataset.choices === signature) return;
  const chosen = select.value;
  select.dataset.choices = signature;
  select.replaceChildren(...choices.map(([value, label]) => el("option", { value }, label)));
  if (choices.some(([value]) => value === chosen)) select.value = chosen;
}

function updateManage(details, t, slots, spaces) {
  const convening = mine.convenes.includes(t.topic);
  const started = Boolean(t.slot && slots[t.slot] && slots[t.slot].started);
  details.hidden = !convening || started;  // a started slot's topics stay as they ran
  if (details.hidden) return;
  const slot = details.querySelector(".os-move-slot");
  const space = details.querySelector(".os-move-space");
  const open = os.slots.filter((s) => !s.started);
  details.querySelector(".os-manage-move").hidden = !open.length;
  options(slot, [...open.map((s) => [s.slot, slotWords(s)]), ["", "Off the wall"]]);
  if (!slot.dataset.touched && t.slot && open.some((s) => s.slot === t.slot)) slot.value = t.slot;
  slot.onchange = () => { slot.dataset.touched = "1"; };
  options(space, [["", "Any free space"], ...os.spaces.map((s) => [s.space, `${s.name} (${s.capacity})`])]);
  const others = os.topics.filter((o) => o.topic !== t.topic && !(o.slot && slots[o.slot] && slots[o.slot].started));
  details.querySelector(".os-manage-merge").hidden = !others.length;
  options(details.querySelector(".os-merge-into"), others.map((o) => [o.topic, o.title]));
}

function currentTopic(id) {
  return (os && os.topics.find((t) => t.topic === id)) || null;
}

/** Co-convening (not the one who posted it): names only in the view, so by name among the co-conveners. */
function coConvening(t) {
  return Boolean(t) && mine.convenes.includes(t.topic) && (t.convener !== myName || t.coconveners.includes(myName));
}

function updateTopic(li, t, slots, spaces, walled) {
  const [title, description, by, cell, actions] = li.children;  // then the convener's tools, the error
  setText(title, t.title);
  setText(description, t.description);
  description.hidden = !t.description;
  setText(by, `Convened by ${t.convener}` + (t.coconveners.length ? ` with ${t.coconveners.join(", ")}` : ""));
  const slot = t.slot ? slots[t.slot] : null;
  const space = t.space && spaces[t.space] ? spaces[t.space].name : "";
  setText(cell, slot ? `${slotWords(slot)} · ${space}` : "Not on the wall yet");
  cell.hidden = !walled && !slot;
  cell.classList.toggle("placed", Boolean(slot));
  const [tag, want, co] = actions.children;
  const convening = mine.convenes.includes(t.topic);
  const co_ = coConvening(t);
  const wanted = mine.wants.includes(t.topic);
  want.hidden = convening;
  want.setAttribute("aria-pressed", String(wanted));
  want.setAttribute("aria-label", `I want to go: ${t.title}`);
  co.hidden = convening && !co_;
  setText(co, co_ ? "Stop co-convening" : "Co-convene");
  co.setAttribute("aria-label", `${co_ ? "Stop co-convening" : "Co-convene"}: ${t.title}`);
  tag.hidden = !convening || co_;
  updateManage(li.querySelector(".os-manage"), t, slots, spaces);
  li.classList.toggle("mine", convening);
  li.classList.toggle("wanted", wanted);
}

function renderUnavailable() {
  const box = $("#os-unavailable");
  const open = os.slots.filter((s) => !s.started);
  box.hidden = !mine.convenes.length || !open.length;
  if (box.hidden) return;
  const wanted = open.map((s) => s.slot).join(",");
  const list = $("#os-unavailable-slots");
  if (list.dataset.slots !== wanted) {
    list.dataset.slots = wanted;
    delete list.dataset.synced;
    list.replaceChildren(...open.map((s) => {
      const input = el("input", { type: "checkbox", value: s.slot, id: `unavailable-${s.slot}` });
      input.addEventListener("change", setUnavailable);
      return el("label", { class: "check", for: input.id }, input, ` ${slotWords(s)}`);
    }));
  }
  const synced = mine.unavailable.join(",");
  if (list.dataset.synced !== synced) {  // only when the server's value changed: a tap in progress stays
    list.dataset.synced = synced;
    for (const input of list.querySelectorAll("input")) input.checked = mine.unavailable.includes(input.value);
  }
}

async function setUnavailable() {
  const list = $("#os-unavailable-slots");
  const slots = [...list.querySelectorAll("input:checked")].map((i) => i.value);
  if (!(await ctx.act("set_unavailable", { slots }, $("#os-unavailable-error")))) {
    delete list.dataset.synced;  // refused: back to what the server has
    renderUnavailable();
  }
}

/** The running slot's countdown (phone.js calls it four times a second). */
export function tickOpenSpace() {
  if (!os || !os.running || $("#os-now").hidden) return;
  const slot = os.slots.find((s) => s.slot === os.running);
  if (!slot) return;
  const left = secondsLeft(ctx.socket, slot.end);
  // (A slot started early, more than an hour before its end: its times say enough.)
  setText($("#os-now-countdown"), left > 3600 ? "" : left > 0 ? ` · ${clock(left)} left` : " · time's up");
}
