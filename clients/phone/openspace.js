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
import { t, tn, timeLocales } from "/static/shared/i18n.js";

let ctx = null;  // {socket, act, needYou}: from phone.js
let os = null;  // phone.openspace
let mine = null;  // me.openspace
let myName = "";
let seenSlot;  // the running slot we already told about (undefined until the first render)
let seenDots;  // whether dot-voting was open at the last render (undefined until the first render)

const NO_ME = { convenes: [], posted: 0, wants: [], unavailable: [], now: [], checked_in: null, reports_for: [], dots: {}, dots_left: null, adopted: [] };
const TITLE_MAX = 80;

const hm = (epoch) => new Date(epoch * 1000).toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" });
const slotWords = (s) => (s ? `${hm(s.start)}–${hm(s.end)}` : "");
// Words from the openspace-phone catalogue (keys openspace.phone.*); fixed words in built nodes carry
// data-i18n too, so a change of language rewords them where they stand.
const w = (key, params) => t(`openspace.phone.${key}`, params);
const wn = (key, count, params) => tn(`openspace.phone.${key}`, count, params);
const sep = () => t("common.list.separator");
const i18n = (key) => ({ "data-i18n": `openspace.phone.${key}` });

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
  setText($("#os-heading"), os.theme || w("theme_default"));
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
  setText($("#os-now-slot"), w("now.slot", { time: slotWords(slot) }));
  keyed($("#os-now-list"), mine.now, (t) => t.topic,
    () => el("li", {}, el("strong", { class: "os-now-title" }), el("span", { class: "os-now-go" })),
    (li, t) => {
      setText(li.children[0], t.title);
      setText(li.children[1], w(t.convener ? "now.go_convener" : "now.go", { space: t.space || w("now.no_space") }));
    });
  $("#os-now-none").hidden = mine.now.length > 0;
  const here = mine.checked_in ? os.topics.find((t) => t.topic === mine.checked_in) : null;
  const where = here && spaces[here.space] ? spaces[here.space].name : "";
  setText($("#os-here"), here ? w(where ? "now.here_space" : "now.here", { topic: here.title, space: where }) : w("now.not_here"));
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
    ? w("now.news", { topics: now.map((t) => w("now.news_entry", { topic: t.title, space: t.space })).join(sep()) })
    : w("now.started");
  ctx.needYou(`slot:${id}`, words, t("common.show"), $("#os-now"), () => Boolean(os) && os.running === id && !(mine && mine.checked_in), words);
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
      el("span", { class: "os-circle-here", ...i18n("circles.here") }, w("circles.here")), button);
  }, (li, t) => {
    const [name, where, here, button] = li.children;
    const space = spaces[t.space] ? spaces[t.space].name : "";
    setText(name, t.title);
    setText(where, [space, now.has(t.topic) ? w("circles.yours") : ""].filter(Boolean).join(" · "));
    const isHere = mine.checked_in === t.topic;
    li.classList.toggle("here", isHere);
    here.hidden = !isHere;
    button.hidden = isHere;
    setText(button, mine.checked_in ? w("circles.move_here") : w("circles.im_here"));
    button.setAttribute("aria-label", w(`circles.${mine.checked_in ? "move" : "here"}_label${space ? "_space" : ""}`, { topic: t.title, space }));
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
  setText($("#os-circle-where"), [room.space, reporter ? w("circle.reporter", { name: reporter }) : ""].filter(Boolean).join(" · "));
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
  if (!text) { $("#os-note-error").textContent = w("error.write_first"); return; }
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
const HARVEST_FIELDS = [["key_points", "harvest.key_points"], ["proposals", "harvest.proposals"], ["next_steps", "harvest.next_steps"]];

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
    return [el("label", { for: box.id, ...i18n(label) }, w(label)),
      help ? el("p", { class: "reason field-help", id: `hv-${id}-${key}-help`, ...i18n(help) }, w(help)) : null, box];
  };
  const people = el("textarea", { id: `hv-${id}-participants`, name: "participants", rows: 4,
    "aria-describedby": `hv-${id}-participants-help hv-${id}-error` });
  const heading = el("h3", { id: `hv-${id}-heading` });
  const form = el("form", { class: "card harvest", novalidate: true, "aria-labelledby": heading.id },
    el("p", { class: "harvest-kicker", ...i18n("harvest.kicker") }, w("harvest.kicker")),
    heading,
    el("p", { class: "reason", ...i18n("harvest.help") }, w("harvest.help")),
    el("div", { class: "harvest-notes", hidden: true }, el("h4", i18n("harvest.notes"), w("harvest.notes")), el("ul", { class: "plain notes" })),
    ...field("key_points", "harvest.key_points", 4),
    ...field("proposals", "harvest.proposals", 3),
    ...field("next_steps", "harvest.next_steps", 3, "harvest.next_steps_help"),
    el("label", { for: people.id, ...i18n("harvest.participants") }, w("harvest.participants")),
    el("p", { class: "reason field-help", id: `hv-${id}-participants-help` }),
    people,
    el("p", { class: "error-text", id: `hv-${id}-error`, role: "alert" }),
    el("p", { class: "harvest-status", id: `hv-${id}-status`, "aria-live": "polite" }),
    el("button", { type: "submit", class: "harvest-save" }, w("harvest.publish")));
  form.addEventListener("input", (event) => {
    state.dirty = true;
    if (event.target === people) state.edited = true;
    setText($(`#hv-${id}-status`), w("harvest.unsaved"));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = { topic: id };
    for (const [key] of HARVEST_FIELDS) fields[key] = form.elements[key].value;
    if (!HARVEST_FIELDS.some(([key]) => fields[key].trim())) {
      $(`#hv-${id}-error`).textContent = w("harvest.write_first");
      return;
    }
    if (state.edited || state.synced) {
      fields.participants = people.value.split("\n").map((n) => n.trim()).filter(Boolean);
    }
    const sent = HARVEST_FIELDS.map(([key]) => form.elements[key].value).concat(people.value);
    const button = form.querySelector(".harvest-save");
    button.disabled = true;
    setText($(`#hv-${id}-status`), w("harvest.saving"));
    const ok = await ctx.act("write_harvest", fields, $(`#hv-${id}-error`));
    button.disabled = false;
    const now = HARVEST_FIELDS.map(([key]) => form.elements[key].value).concat(people.value);
    if (ok && now.every((v, i) => v === sent[i])) {
      state.dirty = false;
      syncHarvest(form, state);
      const time = new Date().toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" });
      setText($(`#hv-${id}-status`), w("harvest.saved", { time }));
    } else {
      setText($(`#hv-${id}-status`), ok ? w("harvest.unsaved") : w("harvest.not_saved"));
    }
  });
  return form;
}

function updateHarvest(form, t, report) {
  const state = harvests.get(t.topic);
  state.report = report || null;
  setText(form.querySelector("h3"), w("harvest.heading", { topic: t.title }));
  setText(form.querySelector(".harvest-save"), report ? w("harvest.save") : w("harvest.publish"));
  const came = mine.report_people?.[t.topic] || [];
  if (!report && !state.edited) form.elements.participants.value = came.join("\n");  // who came so far
  setText(form.querySelector(`#hv-${t.topic}-participants-help`), report || state.edited
    ? w("harvest.participants_edit")
    : came.length ? w("harvest.participants_so_far") : w("harvest.participants_none"));
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
    ctx.needYou(`dots:${c.dots}:${os.news.length}`, wn("dots.open", c.dots), w("dots.vote"),
      $("#os-dots"), () => Boolean(os && os.convergence && os.convergence.open) && mine.dots_left !== 0);
  }
  seenDots = true;
  const left = mine.dots_left ?? c.dots;
  setText($("#os-dots-left"), wn("dots.left", c.dots, { left }));
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
    setText(words, ` ${wn("dots.on", n, { topic: r.title })}`);
    const less = li.querySelector(".dot-less");
    const more = li.querySelector(".dot-more");
    less.disabled = n === 0;
    more.disabled = left <= 0;
    less.setAttribute("aria-label", w("dots.less_label", { topic: r.title }));
    more.setAttribute("aria-label", w("dots.more_label", { topic: r.title }));
  });
}

function renderPriorities() {
  const c = os.convergence;
  const closed = Boolean(c && !c.open);
  $("#os-priorities").hidden = !closed;
  if (!closed) return;
  $("#os-no-priorities").hidden = c.priorities.length > 0;
  keyed($("#os-priority-list"), c.priorities, (p) => p.topic, (p) => {
    const button = el("button", { type: "button", class: "small secondary", ...i18n("priorities.adopt") }, w("priorities.adopt"));
    button.addEventListener("click", () => ctx.act("adopt_priority",
      { topic: p.topic, adopt: !mine.adopted.includes(p.topic) }, $("#os-adopt-error")));
    return el("li", { class: "os-priority" }, el("span", { class: "os-priority-title" }),
      el("span", { class: "os-priority-dots" }), el("span", { class: "os-priority-by" }), button);
  }, (li, p) => {
    const [title, dots, by, button] = li.children;
    setText(title, p.title);
    setText(dots, wn("dots.count", p.dots));
    setText(by, p.adopted_by.length ? w("priorities.by", { names: p.adopted_by.join(sep()) }) : w("priorities.nobody"));
    const taken = mine.adopted.includes(p.topic);
    button.setAttribute("aria-pressed", String(taken));
    button.setAttribute("aria-label", w("priorities.adopt_label", { topic: p.title }));
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
    setText(li.querySelector(".os-report-by"), r.dots !== null ? wn("news.by_dots", r.dots, { name: r.reporter }) : w("news.by", { name: r.reporter }));
    const body = li.querySelector(".os-report-body");
    const key = JSON.stringify([r.key_points, r.proposals, r.next_steps, r.participants, sep()]);
    if (body.dataset.report === key) return;
    body.dataset.report = key;
    const parts = [];
    for (const [name, label] of HARVEST_FIELDS) {
      if (r[name]) parts.push(el("h4", i18n(label), w(label)), el("p", { class: "os-report-text" }, r[name]));
    }
    parts.push(el("p", { class: "reason" }, w("news.took_part", { names: r.participants.join(sep()) || w("news.nobody") })));
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
    setText(li.children[2], w(mine.convenes.includes(t.topic) ? "mine.where_convener" : "mine.where", { space }));
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
  if (!title) { error.textContent = w("market.title_first"); $("#os-title").focus(); return; }
  const fields = { title };
  const description = $("#os-description").value.trim();
  if (description) fields.description = description;
  if (await ctx.act("post_topic", fields, error)) {
    clearSent(inputs, sent);
    countTitle();
  }
}

function renderMarket(slots, spaces) {
  setText($("#os-posted"), wn(mine.posted >= os.topic_limit ? "market.posted_full" : "market.posted", os.topic_limit, { posted: mine.posted }));
  $("#os-posted").classList.toggle("full", mine.posted >= os.topic_limit);
  const walled = os.topics.some((t) => t.slot);
  let topics = os.topics;
  if (walled) {  // once there is a wall, in the wall's order: by slot, then space; the rest after
    const order = os.spaces.map((s) => s.space);
    const when = (t) => (t.slot && slots[t.slot] ? slots[t.slot].start : Infinity);
    topics = [...topics].sort((a, b) => when(a) - when(b) || order.indexOf(a.space) - order.indexOf(b.space));
  }
  setText($("#os-topics-heading"), w("market.topics", { count: topics.length }));
  $("#os-no-topics").hidden = topics.length > 0;
  keyed($("#os-topic-list"), topics, (t) => t.topic, createTopic, (li, t) => updateTopic(li, t, slots, spaces, walled));
  renderUnavailable();
}

function createTopic(t) {
  const id = t.topic;
  const error = el("p", { class: "error-text", id: `topic-error-${id}`, role: "alert" });
  const want = el("button", { type: "button", class: "small secondary want", "aria-describedby": error.id, ...i18n("market.want") }, w("market.want"));
  want.addEventListener("click", () => ctx.act("mark_interest", { topic: id, interested: !mine.wants.includes(id) }, error));
  const co = el("button", { type: "button", class: "small secondary coconvene", "aria-describedby": error.id });
  co.addEventListener("click", () => ctx.act("co_convene", { topic: id, join: !coConvening(currentTopic(id)) }, error));
  return el("li", { class: "os-topic" },
    el("p", { class: "os-topic-title" }), el("p", { class: "os-topic-description" }), el("p", { class: "os-topic-by" }),
    el("p", { class: "os-topic-cell" }),
    el("div", { class: "os-topic-actions" }, el("span", { class: "os-topic-tag", ...i18n("market.you_convene") }, w("market.you_convene")), want, co),
    createManage(id, error), error);
}

/** A convener's tools for their topic: move it on the wall, merge it into another topic, withdraw it. */
function createManage(id, error) {
  const field = (label, control) => el("label", { class: "os-manage-field" }, el("span", i18n(label), w(label)), control);
  const slot = el("select", { class: "os-move-slot" });
  const space = el("select", { class: "os-move-space" });
  const move = el("button", { type: "button", class: "small secondary", ...i18n("manage.move") }, w("manage.move"));
  const done = el("p", { class: "os-manage-done", role: "status" });
  move.addEventListener("click", async () => {
    const fields = { topic: id, slot: slot.value };
    if (slot.value && space.value) fields.space = space.value;
    setText(done, "");
    if (await ctx.act("move_topic", fields, error)) setText(done, slot.value ? w("manage.moved") : w("manage.off_wall_done"));
  });
  const into = el("select", { class: "os-merge-into" });
  const merge = el("button", { type: "button", class: "small secondary", ...i18n("manage.merge") }, w("manage.merge"));
  merge.addEventListener("click", async () => {
    const target = currentTopic(into.value);
    if (!target) { setText(error, w("manage.merge_choose")); into.focus(); return; }
    const own = currentTopic(id);
    if (!window.confirm(w("manage.merge_confirm", { topic: own ? own.title : id, into: target.title }))) return;
    await ctx.act("merge_topics", { topic: id, into: target.topic }, error);
  });
  const withdraw = el("button", { type: "button", class: "small danger", ...i18n("manage.withdraw") }, w("manage.withdraw"));
  withdraw.addEventListener("click", async () => {
    const own = currentTopic(id);
    if (!window.confirm(w("manage.withdraw_confirm", { topic: own ? own.title : id }))) return;
    await ctx.act("withdraw_topic", { topic: id }, error);
  });
  return el("details", { class: "os-manage" }, el("summary", i18n("manage.summary"), w("manage.summary")),
    el("div", { class: "os-manage-move" }, field("manage.slot", slot), field("manage.space", space), move, done),
    el("div", { class: "os-manage-merge" }, field("manage.merge_into", into), merge),
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
  options(slot, [...open.map((s) => [s.slot, slotWords(s)]), ["", w("manage.off_wall")]]);
  if (!slot.dataset.touched && t.slot && open.some((s) => s.slot === t.slot)) slot.value = t.slot;
  slot.onchange = () => { slot.dataset.touched = "1"; };
  options(space, [["", w("manage.any_space")], ...os.spaces.map((s) => [s.space, `${s.name} (${s.capacity})`])]);
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
  setText(by, t.coconveners.length
    ? w("market.by_with", { name: t.convener, others: t.coconveners.join(sep()) })
    : w("market.by", { name: t.convener }));
  const slot = t.slot ? slots[t.slot] : null;
  const space = t.space && spaces[t.space] ? spaces[t.space].name : "";
  setText(cell, slot ? `${slotWords(slot)} · ${space}` : w("market.not_walled"));
  cell.hidden = !walled && !slot;
  cell.classList.toggle("placed", Boolean(slot));
  const [tag, want, co] = actions.children;
  const convening = mine.convenes.includes(t.topic);
  const co_ = coConvening(t);
  const wanted = mine.wants.includes(t.topic);
  want.hidden = convening;
  want.setAttribute("aria-pressed", String(wanted));
  want.setAttribute("aria-label", w("market.want_label", { topic: t.title }));
  co.hidden = convening && !co_;
  setText(co, co_ ? w("market.coconvene_stop") : w("market.coconvene"));
  co.setAttribute("aria-label", w(co_ ? "market.coconvene_stop_label" : "market.coconvene_label", { topic: t.title }));
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
  setText($("#os-now-countdown"), left > 3600 ? "" : left > 0 ? ` · ${w("now.left", { time: clock(left) })}` : ` · ${w("now.times_up")}`);
}
