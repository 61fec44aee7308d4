// The big screen during the Open Space part: the marketplace filling up, the wall (slot × space,
// live headcounts while a slot runs), the news wall between slots, and convergence (the dot-vote's
// ranked priorities and who adopted them).  The join QR stays in the side column for latecomers.
//
// What the screen shows follows the meeting (no one has to switch it):
//   a slot is running                      → the wall, that slot highlighted, its time left
//   dot-voting is open or closed           → convergence (the reports to vote on, then the ranking)
//   the schedule is made                   → the wall; between slots with reports, the wall and the
//                                            news wall take turns (pages turn every PAGE_SECONDS)
//   otherwise                              → the marketplace: the theme, the counts, the newest topics
//
// Nothing is ever clipped silently.  The wall's type size is planned from the space it has (both
// orientations are tried: slots as rows or as columns), so 8 slots × 12 spaces fit at 1280×720
// with no title under 14 px; beyond that only the running and next slots are shown, and if their
// spaces still don't fit at a readable size, the spaces turn in pages.  Titles longer than their
// cell end in "…" (the whole title is on every phone); names, titles and reports are text, never HTML.
import { secondsLeft, clock, el, $, keyed, setText } from "/static/shared/socket.js";
import { w, content, timeLocale } from "/static/screen/words.js";

const PAGE_SECONDS = 12;
const WALL_SLOTS = 8;    // up to this many slots × WALL_SPACES spaces, the whole wall is shown
const WALL_SPACES = 12;
const READABLE_PX = 14;  // never a wall title under this (nor under READABLE_VMIN of the screen)
const READABLE_VMIN = 1.9;
const COMFORTABLE_VMIN = 2.8;  // wall type this big reads well from the back; past it, show more of the titles
const REPORTS_PER_PAGE = 3;
const NEWS_MIN_VMIN = 1.9;

const K = (key) => `openspace-screen.${key}`;
const hm = (epoch) => new Date(epoch * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
/** "12:03", or "1:05:00" from an hour up. */
const longClock = (seconds) => (seconds < 3600 ? clock(seconds)
  : `${Math.floor(seconds / 3600)}:${clock(seconds % 3600).padStart(5, "0")}`);
/** "at 15:30" today, "Thu 15:30" another day. */
function startsAt(epoch) {
  const when = new Date(epoch * 1000);
  if (when.toDateString() === new Date().toDateString()) return w(K("at"), { time: hm(epoch) });
  return `${when.toLocaleDateString(timeLocale(), { weekday: "short" })} ${hm(epoch)}`;
}
const span = (slot) => `${hm(slot.start)}–${hm(slot.end)}`;

const measurer = document.createElement("canvas").getContext("2d");
/** The width of ``text`` in em at ``weight`` in the page's font. */
function em(text, weight = 400) {
  measurer.font = `${weight} 100px ${getComputedStyle(document.body).fontFamily}`;
  return measurer.measureText(text).width / 100;
}

/** Lines ``text`` takes when wrapped at ``width`` em (words longer than a line are broken). */
function wrapLines(text, width, weight) {
  const space = em(" ", weight);
  let lines = 1, used = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = em(word, weight);
    if (used > 0 && used + space + w <= width) { used += space + w; continue; }
    if (used > 0) lines += 1;
    while (w > width) { w -= width; lines += 1; }
    used = w;
  }
  return lines;
}

/** The biggest font size in [lo, hi] for which ``ok(size)`` holds (ok is monotone), or null. */
function biggest(lo, hi, ok) {
  if (!ok(lo)) return null;
  if (ok(hi)) return hi;
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid; else hi = mid;
  }
  return lo;
}

export function openSpace({ socket, relayout }) {
  let os = null;          // the screen view's ``openspace`` section while the Open Space part runs
  let translations = null;  // the screen view's ``translations`` (the theme in the screen's languages)
  let mode = "";          // "", "market", "wall" (with the news wall in turn between slots), "converge"
  let pages = [];         // between slots: [{kind: "wall", index}, …, {kind: "news", index}, …]
  let pageShown = "";
  let wallPlan = null;
  let marketPlan = null;
  let newsItems = [];     // the reports the news pages show, in the order shown
  const vmin = () => Math.min(innerWidth, innerHeight) / 100;

  // --- what the screen shows ------------------------------------------------------------------

  function running() {
    const wall = os.wall;
    return wall.running ? wall.slots.find((s) => s.slot === wall.running) || null : null;
  }

  function upcoming() {
    return os.wall.slots.filter((s) => !s.started);
  }

  function decide() {
    if (!os) return "";
    if (os.wall.running) return "wall";
    if (os.convergence) return "converge";
    if (os.wall.cells.length) return "wall";  // the news takes turns with it (see pagesNow)
    return "market";
  }

  /** Between slots, with reports written: the wall's pages, then the news wall's. */
  function pagesNow() {
    if (mode !== "wall") return [];
    const wall = Array.from({ length: wallPlan ? wallPlan.pages : 1 }, (_, index) => ({ kind: "wall", index }));
    const between = !os.wall.running && os.news.length > 0 && os.wall.slots.some((s) => s.ended);
    if (!between) return wall;
    const news = Array.from({ length: Math.ceil(os.news.length / REPORTS_PER_PAGE) }, (_, index) => ({ kind: "news", index }));
    return [...wall, ...news];
  }

  function render(section, translated) {
    os = section && section.part === "openspace" ? section : null;
    translations = translated || null;
    const was = mode;
    mode = decide();
    const on = Boolean(mode);
    document.body.classList.toggle("openspace", on);
    document.body.classList.toggle("os-market-on", mode === "market");
    if (mode !== "wall") document.body.classList.remove("os-dense");
    $("#openspace").hidden = !on;
    $("#os-side").hidden = !on;
    if (!on) { pageShown = ""; return false; }
    if (was !== mode) { wallPlan = marketPlan = null; pageShown = ""; }
    renderSide();
    if (mode === "market") renderMarket();
    if (mode === "converge") renderConvergence();
    if (mode === "wall") { renderWallData(); renderNewsData(); }
    tick();
    return true;
  }

  // --- the side column: the clock, the theme, the counts ------------------------------------

  function renderSide() {
    const m = os.marketplace;
    const inCircles = os.wall.running ? os.wall.cells.reduce((sum, c) => sum + (c.headcount || 0), 0) : null;
    const bits = [w(K("topics"), { count: m.topics }), w(K("marks"), { count: m.marks })];
    if (inCircles !== null) bits.push(w(K("in_circles"), { count: inCircles }));
    setText($("#os-summary"), bits.join(" · "));
    $("#os-summary").hidden = mode === "market";  // the marketplace says it in large
    // The theme is large in the section's head; in the wall's side column it is a reminder.
    // The theme in each language shown where a translator translated it (the original otherwise).
    const theme = os.theme ? content(translations, "theme", "openspace", os.theme) : "";
    setText($("#os-side-theme"), mode === "wall" ? theme : "");
    $("#os-side-theme").hidden = !(mode === "wall" && os.theme);
    setText($("#os-theme"), theme || (mode === "market" ? w(K("open_space")) : ""));
    $("#os-theme").hidden = !$("#os-theme").textContent;
  }

  function tickClock() {
    const now = running();
    const next = upcoming()[0];
    const box = $("#os-clock");
    box.hidden = !now && !next;
    if (now) {
      const left = secondsLeft(socket, now.end);
      setText($("#os-clock-label"), w(K("now_span"), { span: span(now) }));
      setText($("#os-countdown"), left > 0 ? w(K("left"), { clock: longClock(left) }) : w(K("time_is_up")));
      box.className = left <= 0 ? "os-clock over" : left <= 120 ? "os-clock warn" : "os-clock";
    } else if (next) {
      const until = secondsLeft(socket, next.start);
      setText($("#os-clock-label"), w(K("next_span"), { span: span(next) }));
      setText($("#os-countdown"), until > 0 && until < 3600 ? w(K("in"), { clock: clock(until) }) : startsAt(next.start));
      box.className = "os-clock next";
    }
  }

  // --- the marketplace ----------------------------------------------------------------------

  function renderMarket() {
    const m = os.marketplace;
    setText($("#os-label"), w(K("market_label")));
    setText($("#os-market-counts"), m.topics
      ? w(K("market_counts"), { topics: (t) => t(K("topics_posted"), { count: m.topics }), marks: (t) => t(K("marks_of_interest"), { count: m.marks }) })
      : w(K("market_open")));
    $("#os-market-empty").hidden = m.topics > 0;
    keyed($("#os-newest"), m.newest, (t) => t.topic,
      () => el("li", { class: "os-tile" },
        el("p", { class: "os-tile-title" }),
        el("p", { class: "os-tile-meta" },
          el("span", { class: "os-tile-convener" }),
          el("span", { class: "os-tile-interest" }))),
      (li, t) => {
        setText(li.querySelector(".os-tile-title"), t.title);
        setText(li.querySelector(".os-tile-convener"), t.convener);
        const interest = li.querySelector(".os-tile-interest");
        const words = w(K("interested"), { count: t.interest });
        const text = `★ ${t.interest}|${words}`;
        if (interest.dataset.text !== text) {
          interest.dataset.text = text;
          interest.replaceChildren(el("span", { "aria-hidden": "true" }, "★ "), words);
        }
      });
    $("#os-newest").firstElementChild?.classList.add("newest");
    for (const li of [...$("#os-newest").children].slice(1)) li.classList.remove("newest");
  }

  /** Tiles as big as they can be: each newest topic's title in at most 3 lines, its convener and count under it. */
  function fitMarket() {
    const list = $("#os-newest");
    const n = list.children.length;
    if (!n) return;
    const box = $("#os-body").getBoundingClientRect();
    const top = list.getBoundingClientRect().top - box.top;
    const W = box.width, H = box.height - top;
    const key = `${W}x${H}|${[...list.children].map((li) => li.dataset.key + li.querySelector(".os-tile-title").textContent).join("|")}`;
    if (marketPlan && marketPlan.key === key) return;
    const v = vmin();
    const gap = 1.4 * v;
    const titles = [...list.querySelectorAll(".os-tile-title")].map((p) => p.textContent);
    let best = null;
    for (let cols = 1; cols <= Math.min(n, 4); cols++) {
      const rows = Math.ceil(n / cols);
      const w = (W - (cols - 1) * gap) / cols;
      const h = (H - (rows - 1) * gap) / rows;
      for (const lines of [1, 2, 3]) {
        const ok = (f) => {
          const padH = 1.0 * f, padV = 0.45 * f;
          if (h < 2 * padV + f * (lines * 1.15 + 0.2 + 1.2 * 0.8)) return false;
          const width = (w - 2 * padH - 0.5 * f) / f;  // in em (0.5 em: the coloured edge)
          return titles.every((t) => wrapLines(t, width, 700) <= lines);
        };
        const f = biggest(1.8 * v, 5.5 * v, ok);
        if (f && (!best || f > best.f)) best = { f, cols, rows, h };
      }
    }
    if (!best) {  // titles that don't fit even at the smallest size: three lines each, ending in "…"
      const cols = Math.min(n, 3);
      best = { f: 1.8 * v, cols, rows: Math.ceil(n / cols) };
    }
    list.style.gap = `${gap}px`;
    list.style.gridTemplateColumns = `repeat(${best.cols}, minmax(0, 1fr))`;
    list.style.setProperty("--tile-f", `${Math.floor(best.f * 10) / 10}px`);
    marketPlan = { key };
  }

  // --- the wall -----------------------------------------------------------------------------

  /** The slots the wall shows: all of them up to WALL_SLOTS × WALL_SPACES, else the running and next. */
  function shownSlots() {
    const slots = os.wall.slots;
    if (slots.length <= WALL_SLOTS && os.wall.spaces.length <= WALL_SPACES) return slots;
    const now = running();
    const ahead = upcoming();
    const pick = now ? [now, ...ahead.slice(0, 1)] : ahead.length ? ahead.slice(0, 2) : slots.slice(-2);
    return slots.filter((s) => pick.includes(s));
  }

  function slotStatus(slot) {
    if (slot.running) {
      const left = secondsLeft(socket, slot.end);
      return left > 0 ? w(K("now_clock"), { clock: longClock(left) }) : w(K("now_over"));
    }
    if (slot.ended) return w(K("done"));
    return upcoming()[0] === slot ? w(K("next")) : "";
  }

  let wallData = null;  // {slots, spaces, byCell}

  function renderWallData() {
    const byCell = new Map(os.wall.cells.map((c) => [`${c.slot}|${c.space}`, c]));
    wallData = { slots: shownSlots(), spaces: os.wall.spaces, byCell };
    document.body.classList.toggle("os-dense", wallData.slots.length * wallData.spaces.length > 40);
    setText($("#os-label"), w(K("wall")));
  }

  /**
   * How to draw the wall in the section's box: slots as rows or as columns, how many lines a title
   * may take, and the type size.  The score is the type size weighed by how much of the titles shows
   * (whole words, not words cut in two): big type that shows three letters of each title is no use,
   * and past a comfortable size, more of each title beats bigger type.
   * If even the best is under the readable size, the spaces go in pages (as few as keep it readable).
   */
  function planWall(box) {
    const { slots, spaces, byCell } = wallData;
    const v = vmin();
    const readable = Math.max(READABLE_PX, READABLE_VMIN * v);
    const comfortable = COMFORTABLE_VMIN * v;
    const gap = Math.max(3, 0.4 * v);
    const slotEm = Math.max(em("00:00–00:00", 800), em(wallData.slots.some((s) => s.running && s.end - Date.now() / 1000 > 3600)
      ? w(K("now_clock"), { clock: "0:00:00" }) : w(K("now_clock"), { clock: "00:00" }), 700));  // a slot started early has hours left
    const titles = [];
    for (const s of slots) for (const sp of spaces) { const c = byCell.get(`${s.slot}|${sp.space}`); if (c) titles.push(c.title); }
    const nameEm = Math.max(1, ...spaces.map((sp) => em(sp.name, 800)));
    const wordEm = Math.max(1, ...spaces.flatMap((sp) => sp.name.split(/\s+/).map((w) => em(w, 800))));
    const charEm = titles.length ? em(titles.join(""), 700) / titles.join("").length : 0.6;
    const metaEm = 0.8 * (em(`00 ${w(K("here"))}`, 800) + 0.6 + em("Abc", 400));  // the headcount and a few letters of the convener
    /** How much of the titles a line width (in em) and lines show, from 0 to 1 (a word cut in two counts less). */
    const shown = (width, lines) => {
      if (!titles.length) return 1;
      let sum = 0;
      for (const t of titles) {
        const whole = wrapLines(t, width, 700) <= lines;
        const part = whole ? 1 : Math.min(1, (lines * width) / (charEm * t.length) * 0.9);
        const cut = t.split(/\s+/).some((w) => em(w, 700) > width);
        sum += part * (cut ? 0.75 : 1);
      }
      return sum / titles.length;
    };
    for (let pageCount = 1; ; pageCount++) {
      const size = Math.ceil(spaces.length / pageCount) || 1;
      const shownSpaces = Math.min(size, spaces.length);
      let best = null;
      for (const rowsAreSlots of [true, false]) {
        const R = rowsAreSlots ? slots.length : shownSpaces;
        const C = rowsAreSlots ? shownSpaces : slots.length;
        if (!R || !C) continue;
        for (const lines of [1, 2, 3, 4]) {
          const geometry = (f) => {
            const hf = Math.max(0.8 * f, Math.min(f, readable));
            // Row headers: a slot's time and status, or a space's name in up to two lines.
            const rowHeadW = (rowsAreSlots ? slotEm : Math.min(Math.max(nameEm / 2 * 1.15, wordEm), 8)) * hf + 0.5 * hf;
            // Column headers: two lines (a space's name, or a slot's time and status).
            const colHeadH = 2 * 1.2 * hf + 0.3 * hf;
            const cw = (box.width - rowHeadW - (C + 2) * gap) / C;
            const ch = (box.height - colHeadH - (R + 2) * gap) / R;
            return { hf, rowHeadW, colHeadH, cw, ch };
          };
          // A cell: its title's lines (1.12 em each), the convener's line (0.8 em × 1.15), padding.
          const needH = (f) => f * (lines * 1.12 + 0.8 * 1.15 + 0.3);
          const ok = (f) => {
            const g = geometry(f);
            if (g.ch < needH(f)) return false;
            if (!rowsAreSlots && g.cw < slotEm * g.hf) return false;  // a slot's time fits its column
            if (rowsAreSlots && g.cw < wordEm * g.hf * 0.9) return false;  // a space's name, word by word
            return g.cw - 0.8 * f >= Math.max(metaEm, 4 * charEm) * f;
          };
          const f = biggest(8, Math.max(8, 4.2 * v), ok);
          if (!f) continue;
          const g = geometry(f);
          // Past a comfortable size, bigger type is worth less than more of each title.
          const worth = Math.min(f, comfortable) + 0.3 * Math.max(0, f - comfortable);
          const score = worth * (0.3 + 0.7 * shown((g.cw - 0.8 * f) / f, lines));
          if (!best || score > best.score) best = { score, f, lines, rowsAreSlots, R, C, ...g };
        }
      }
      if (!best) best = { f: 8, lines: 1, rowsAreSlots: true, hf: 8, rowHeadW: 60, colHeadH: 20, cw: 20, ch: 20 };
      if (best.f >= readable || size <= 1) return { ...best, gap, pages: pageCount, size };
    }
  }

  function cellNode() {
    return el("div", { class: "os-cell" },
      el("p", { class: "os-title" }),
      el("p", { class: "os-meta" },
        el("span", { class: "os-convener" }),
        el("span", { class: "os-interest" }),
        el("span", { class: "os-hc" }, el("span", { class: "headcount" }), el("span", { class: "os-hc-label" }))));
  }

  function fillCell(div, c, slot, space) {
    div.dataset.cell = `${slot.slot}|${space.space}`;
    if (!c) {
      div.className = slot.running ? "os-cell empty running" : "os-cell empty";
      div.removeAttribute("data-topic");
      for (const p of div.querySelectorAll("p")) p.hidden = true;
      return;
    }
    div.className = `os-cell${slot.running ? " running" : ""}${slot.ended ? " ended" : ""}`;
    div.dataset.topic = c.topic;
    for (const p of div.querySelectorAll("p")) p.hidden = false;
    setText(div.querySelector(".os-title"), c.title);
    setText(div.querySelector(".os-convener"), c.convener);
    const interest = div.querySelector(".os-interest");
    const interested = w(K("interested_hidden"));
    if (interest.dataset.n !== `${c.interest}|${interested}`) {
      interest.dataset.n = `${c.interest}|${interested}`;
      interest.replaceChildren(el("span", { "aria-hidden": "true" }, "★"), String(c.interest),
        el("span", { class: "visually-hidden" }, ` ${interested}`));
    }
    setText(div.querySelector(".os-hc-label"), ` ${w(K("here"))}`);
    const live = c.headcount !== null && c.headcount !== undefined;
    div.querySelector(".os-hc").hidden = !live;
    interest.hidden = live;  // during the slot, who is there counts: how many wanted it is on the console
    setText(div.querySelector(".headcount"), live ? String(c.headcount) : "");
  }

  /** Draw the wall's page ``index`` with the plan's sizes (the cells are kept and updated in place). */
  function drawWall(index) {
    const p = wallPlan;
    const { slots, spaces, byCell } = wallData;
    const shownSpaces = spaces.slice(index * p.size, (index + 1) * p.size);
    const table = $("#os-wall");
    table.classList.toggle("rows-slots", p.rowsAreSlots);
    table.classList.toggle("rows-spaces", !p.rowsAreSlots);
    const px = (n) => `${Math.floor(n * 10) / 10}px`;
    table.style.setProperty("--f", px(p.f));
    table.style.setProperty("--hf", px(p.hf));
    table.style.setProperty("--cw", px(Math.floor(p.cw)));
    table.style.setProperty("--ch", px(Math.floor(p.ch)));
    table.style.setProperty("--rhw", px(Math.floor(p.rowHeadW)));
    table.style.setProperty("--chh", px(Math.floor(p.colHeadH)));
    table.style.setProperty("--lines", p.lines);
    table.style.borderSpacing = px(p.gap);
    const rows = p.rowsAreSlots ? slots : shownSpaces;
    const cols = p.rowsAreSlots ? shownSpaces : slots;
    const orient = p.rowsAreSlots ? "s" : "p";
    // Column headers.
    keyed($("#os-wall-head"), [{ corner: true }, ...cols], (c) => (c.corner ? "corner" : `${orient}${c.slot || c.space}`),
      (c) => (c.corner
        ? el("td", { class: "os-corner" })
        : el("th", { scope: "col", class: "os-colhead" }, el("div", { class: "os-head-box" },
          el("span", { class: "os-head-main" }), el("span", { class: "os-head-sub" })))),
      (th, c) => { if (!c.corner) fillHead(th, c); });
    const headBox = () => el("div", { class: "os-head-box" }, el("span", { class: "os-head-main" }), el("span", { class: "os-head-sub" }));
    keyed($("#os-wall-body"), rows, (r) => `${orient}${r.slot || r.space}`, () => el("tr"),
      (tr, r) => {
        tr.classList.toggle("running", Boolean(r.running));
        keyed(tr, [{ head: r }, ...cols], (c) => (c.head ? "head" : `${c.slot || c.space}`),
          (c) => (c.head ? el("th", { scope: "row", class: "os-rowhead" }, headBox()) : el("td", {}, cellNode())),
          (cell, c) => {
            if (c.head) { fillHead(cell, c.head); return; }
            const slot = p.rowsAreSlots ? r : c;
            const space = p.rowsAreSlots ? c : r;
            fillCell(cell.firstElementChild, byCell.get(`${slot.slot}|${space.space}`), slot, space);
          });
      });
    const count = p.pages;
    $("#os-foot").hidden = count <= 1 && pages.length <= 1;
    const first = index * p.size + 1;
    setText($("#os-page"), count > 1
      ? w(K("wall_spaces"), { first, last: first + shownSpaces.length - 1, total: spaces.length }) + pageOf()
      : pages.length > 1 ? `${w(K("wall"))}${pageOf()}` : "");
    const all = os.wall.slots.length;
    setText($("#os-wall-caption"), slots.length < all
      ? w(K("wall_caption_some"), { shown: slots.length, total: all })
      : w(K("wall_caption")));
  }

  function fillHead(th, item) {
    const main = th.querySelector(".os-head-main");
    const sub = th.querySelector(".os-head-sub");
    if (item.slot) {
      setText(main, span(item));
      setText(sub, slotStatus(item) || "\u00a0");  // a line even when empty: the times line up
      th.classList.toggle("running", Boolean(item.running));
      th.classList.toggle("ended", Boolean(item.ended));
      sub.hidden = false;
    } else {
      setText(main, item.name);
      setText(sub, "");
      sub.hidden = true;
    }
  }

  // --- the news wall --------------------------------------------------------------------------

  function renderNewsData() {
    newsItems = [...os.news].reverse();  // newest first: between slots, what was just written is the news
  }

  function drawNews(index) {
    const shown = newsItems.slice(index * REPORTS_PER_PAGE, (index + 1) * REPORTS_PER_PAGE);
    setText($("#os-label"), w(os.convergence ? K("reports_dots") : K("news_wall")));
    keyed($("#os-reports"), shown, (r) => r.topic,
      () => el("li", { class: "os-report" },
        el("h2", { class: "os-report-title" }),
        el("p", { class: "os-report-by" }),
        el("div", { class: "os-report-text" }),
        el("p", { class: "os-report-more", hidden: true })),
      (li, r) => {
        setText(li.querySelector(".os-report-title"), r.title);
        setText(li.querySelector(".os-report-more"), w(K("continued")));
        setText(li.querySelector(".os-report-by"), [w(K("reporter"), { name: r.reporter }),
          r.participants.length ? w(K("took_part"), { count: r.participants.length }) : "",
          r.dots !== null ? w(K("dots"), { count: r.dots }) : ""].filter(Boolean).join(" · "));
        const text = li.querySelector(".os-report-text");
        const parts = [[w(K("key_points")), r.key_points], [w(K("proposals")), r.proposals], [w(K("next_steps")), r.next_steps]]
          .filter(([, t]) => t);
        const key = JSON.stringify(parts);
        if (text.dataset.key !== key) {
          text.dataset.key = key;
          text.replaceChildren(...parts.flatMap(([label, t]) => [el("h3", {}, label), el("p", {}, t)]));
          delete li.dataset.fit;
        }
      });
    $("#os-reports").style.gridTemplateColumns = `repeat(${Math.max(1, shown.length)}, minmax(0, 1fr))`;
    const count = Math.ceil(newsItems.length / REPORTS_PER_PAGE);
    $("#os-foot").hidden = pages.length <= 1 && count <= 1;
    setText($("#os-page"), (count > 1 ? w(K("news_reports"), { first: index * REPORTS_PER_PAGE + 1,
      last: index * REPORTS_PER_PAGE + shown.length, total: newsItems.length }) : w(K("news_wall"))) + pageOf());
  }

  /** Each report's type: as big as fits its card (down to NEWS_MIN_VMIN), then "continued on your phone". */
  function fitNews() {
    for (const li of $("#os-reports").children) {
      const text = li.querySelector(".os-report-text");
      const key = `${text.dataset.key}|${li.clientWidth}x${li.clientHeight}`;
      if (li.dataset.fit === key) continue;
      li.dataset.fit = key;
      const more = li.querySelector(".os-report-more");
      more.hidden = true;
      text.classList.remove("overflowing");
      const v = vmin();
      const fits = (px) => { text.style.fontSize = `${px}px`; return text.scrollHeight <= text.clientHeight + 1; };
      const f = biggest(NEWS_MIN_VMIN * v, 3.4 * v, fits);
      fits(Math.floor((f ?? NEWS_MIN_VMIN * v) * 10) / 10);
      if (f === null) { more.hidden = false; text.classList.add("overflowing"); }
    }
  }

  // --- convergence ----------------------------------------------------------------------------

  function renderConvergence() {
    const c = os.convergence;
    setText($("#os-label"), w(c.open ? K("converge_open") : K("converge_closed")));
    setText($("#os-dots-line"), c.open
      ? w(K("place_dots"), { dots: (t) => t(K("dots"), { count: c.dots }), voted: (t) => t(K("have_voted"), { count: c.voters }) })
      : w(K("placed_dots"), { count: c.voters }));
    const ranked = c.open ? [] : c.priorities;
    const most = Math.max(1, ...ranked.map((p) => p.dots));
    keyed($("#os-ranked"), ranked, (p) => p.topic,
      () => el("li", { class: "os-priority" },
        el("span", { class: "os-rank", "aria-hidden": "true" }),
        el("span", { class: "os-priority-title" }),
        el("span", { class: "os-dots" }, el("span", { class: "os-dots-bar" }), el("span", { class: "os-dots-n" })),
        el("span", { class: "os-adopted" })),
      (li, p) => {
        setText(li.querySelector(".os-rank"), String(p.rank));
        setText(li.querySelector(".os-priority-title"), p.title);
        li.querySelector(".os-dots-bar").style.width = `${Math.round((p.dots / most) * 60)}%`;
        setText(li.querySelector(".os-dots-n"), w(K("dots"), { count: p.dots }));
        setText(li.querySelector(".os-adopted"), p.adopted_by.length
          ? w(K("taken_forward"), { names: p.adopted_by.join(", ") }) : w(K("not_adopted")));
        li.querySelector(".os-adopted").classList.toggle("none", !p.adopted_by.length);
      });
    $("#os-ranked").hidden = c.open;
    $("#os-converge").classList.toggle("voting", c.open);
    $("#os-news").hidden = !c.open;
    if (c.open) { newsItems = [...os.news]; }
  }

  /** The ranking: every priority that fits at a readable size, the rest counted as "+N more". */
  function fitConvergence() {
    const c = os.convergence;
    const list = $("#os-ranked");
    const all = [...list.children];
    const more = $("#os-ranked-more");
    if (c.open) { more.hidden = true; fitNews(); return; }
    const box = $("#os-converge");
    const v = vmin();
    for (const li of all) li.hidden = false;
    more.hidden = true;
    const fits = (px) => { list.style.fontSize = `${px}px`; return box.scrollHeight <= box.clientHeight + 1; };
    const f = biggest(2.4 * v, 4.4 * v, fits);
    if (f !== null) { fits(Math.floor(f * 10) / 10); return; }
    fits(2.4 * v);
    let shown = all.length;
    while (shown > 1 && box.scrollHeight > box.clientHeight + 1) {
      shown -= 1;
      all[shown].hidden = true;
      more.hidden = false;
      more.textContent = w(K("more_priorities"), { count: all.length - shown });
    }
  }

  // --- pages, clocks, fitting -----------------------------------------------------------------

  function pageOf() {
    if (pages.length <= 1) return "";
    const at = pages.findIndex((p) => `${p.kind}${p.index}` === pageShown);
    return ` · ${w(K("page"), { page: at + 1, pages: pages.length })}`;
  }

  let wallKey = "";

  function tick() {
    if (!mode) return;
    tickClock();
    const body = $("#os-body");
    $("#os-head").hidden = mode === "wall";
    if (mode === "market") {
      $("#os-market").hidden = false;
      $("#os-wall-box").hidden = $("#os-news").hidden = $("#os-converge").hidden = true;
      $("#os-foot").hidden = true;
      fitHeadText();
      fitMarket();
      return;
    }
    if (mode === "converge") {
      $("#os-converge").hidden = false;
      $("#os-market").hidden = $("#os-wall-box").hidden = true;
      $("#os-foot").hidden = true;
      if (os.convergence.open) {
        // The reports to place dots on, in turn if they don't fit one page.
        const count = Math.max(1, Math.ceil(newsItems.length / REPORTS_PER_PAGE));
        const index = Math.floor(Date.now() / 1000 / PAGE_SECONDS) % count;
        pages = Array.from({ length: count }, (_, i) => ({ kind: "news", index: i }));
        pageShown = `news${index}`;
        drawNews(index);
      }
      fitHeadText();
      fitConvergence();
      return;
    }
    // The wall (and, between slots with reports, the news wall in turn).
    $("#os-market").hidden = $("#os-converge").hidden = true;
    const box = body.getBoundingClientRect();
    const key = JSON.stringify([wallData.slots.map((s) => [s.slot, s.start, s.end, s.running, s.ended]),
      wallData.spaces.map((s) => [s.space, s.name]),
      [...wallData.byCell.values()].map((c) => [c.slot, c.space, c.title])]) + `${Math.round(box.width)}x${Math.round(box.height)}`;
    if (!wallPlan || wallKey !== key) {
      $("#os-wall-box").hidden = false;
      $("#os-news").hidden = true;
      wallPlan = planWall(body.getBoundingClientRect());
      wallKey = key;
    }
    pages = pagesNow();
    const index = pages.length > 1 ? Math.floor(Date.now() / 1000 / PAGE_SECONDS) % pages.length : 0;
    const page = pages[index] || { kind: "wall", index: 0 };
    pageShown = `${page.kind}${page.index}`;
    const wall = page.kind === "wall";
    $("#os-wall-box").hidden = !wall;
    $("#os-news").hidden = wall;
    if (wall) drawWall(page.index);
    else { drawNews(page.index); fitNews(); }
  }

  /** The theme in the section's head: as big as its box allows (it is the question of the day). */
  function fitHeadText() {
    const theme = $("#os-theme");
    if (theme.hidden) return;
    const max = mode === "market" ? 6.4 : 4;
    const key = `${theme.textContent}|${theme.clientWidth}|${innerWidth}x${innerHeight}|${max}`;
    if (theme.dataset.fit === key) return;
    theme.dataset.fit = key;
    const v = vmin();
    const head = $("#os-head");
    const limit = innerHeight * (mode === "market" ? 0.3 : 0.2);
    const fits = (px) => { theme.style.fontSize = `${px}px`; return head.scrollHeight <= limit && theme.scrollWidth <= theme.clientWidth + 1; };
    const f = biggest(2.4 * v, max * v, fits);
    fits(Math.floor((f ?? 2.4 * v) * 10) / 10);
  }

  addEventListener("resize", () => { wallPlan = marketPlan = null; if (mode) { tick(); relayout?.(); } });

  return { render, tick, on: () => Boolean(mode) };
}
