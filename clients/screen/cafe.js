// The big screen during a World Café (the meeting's part is "cafe"): the round's question that matters,
// large, with its countdown (yellow from the minute warning); before a round and between rounds, where
// people go (their phones say which table) and when the next round starts, over the table map (number,
// name, host, headcount), sized to fit up to 60 tables at 1280×720; in the harvest, each table's ideas
// in turn (the strongest first, with their stars) or, when no table is on show, the most starred ideas.
// The join QR stays in the side column for latecomers.  Names, questions and ideas are text, never HTML.
import { secondsLeft, clock, el, $, keyed, setText } from "/static/shared/socket.js";
import { w, translateScreen } from "/static/screen/words.js";

const K = (key) => `cafe-screen.${key}`;
const DENSE = 24;
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
/** "Table 7 — Oak", worded here (the view's ``label`` is English; an idea's carries the name only in it). */
function tableTitle(x) {
  if (x.number === undefined || x.number === null) return cap(x.label || "");
  const name = x.name ?? (x.label || "").split(" — ").slice(1).join(" — ");
  return name ? w("cafe-screen.table_named", { number: x.number, name }) : w("cafe-screen.table", { number: x.number });
}

const MARKUP = `
  <header class="cafe-head">
    <div class="cafe-what">
      <p class="label" id="cafe-label" data-i18n="cafe-screen.world_cafe">World Café</p>
      <p id="cafe-status" class="cafe-status"></p>
    </div>
    <div class="cafe-clock" id="cafe-clock">
      <p class="label" id="cafe-clock-label"></p>
      <p id="cafe-countdown" class="cafe-countdown" role="timer" aria-live="off"></p>
    </div>
  </header>
  <h2 id="cafe-question" class="cafe-question"></h2>
  <p id="cafe-warn" class="cafe-warn" hidden data-i18n="cafe-screen.warn">One minute left: time to sum up.</p>
  <div id="cafe-map-box" class="cafe-map-box">
    <ul id="cafe-map" class="cafe-map" aria-label="Tables" data-i18n-attr="aria-label:cafe-screen.tables_label"></ul>
  </div>
  <div id="cafe-harvest" class="cafe-harvest" hidden>
    <div id="cafe-shown" class="cafe-shown" hidden>
      <p id="cafe-shown-host" class="cafe-shown-host"></p>
      <p id="cafe-shown-summary" class="cafe-shown-summary"></p>
      <ol id="cafe-ideas" class="cafe-ideas" aria-label="The table's key ideas, the strongest first" data-i18n-attr="aria-label:cafe-screen.ideas_label"></ol>
      <p id="cafe-ideas-more" class="cafe-more" hidden></p>
    </div>
    <div id="cafe-top" class="cafe-top" hidden>
      <ol id="cafe-top-list" class="cafe-ideas" aria-label="The most starred ideas" data-i18n-attr="aria-label:cafe-screen.top_label"></ol>
      <p id="cafe-top-empty" class="cafe-more" hidden data-i18n="cafe-screen.top_empty">No idea starred yet: star the ideas that matter on your phone.</p>
    </div>
  </div>`;

export function cafePart({ socket, relayout }) {
  let cafe = null;
  const section = el("section", { id: "cafe", class: "cafe", hidden: true, "aria-labelledby": "cafe-label" });
  section.innerHTML = MARKUP;  // fixed markup: what people wrote is set with textContent
  $("#screen").append(section);
  translateScreen(section);

  function render(view) {
    cafe = view && view.part === "cafe" ? view : null;
    const on = Boolean(cafe);
    const was = !section.hidden;
    section.hidden = !on;
    document.body.classList.toggle("cafe", on);
    if (!on) { if (was) relayout(); return false; }
    const harvest = cafe.harvest;
    const of = cafe.rounds ? "_of" : "";
    const params = { round: cafe.round, rounds: cafe.rounds };
    const label = harvest ? w(K("harvest"))
      : cafe.phase === "round" ? w(K(`round${of}`), params)
        : cafe.phase === "between" ? w(K(`next_round${of}`), params)
          : cafe.phase === "done" ? w(K("all_over")) : w(K("world_cafe"));
    setText($("#cafe-label"), label);
    section.classList.toggle("harvesting", Boolean(harvest));
    section.classList.toggle("running", cafe.phase === "round");
    $("#cafe-map-box").hidden = Boolean(harvest) || !cafe.tables.length;
    $("#cafe-harvest").hidden = !harvest;
    if (harvest) renderHarvest(harvest);
    else {
      setText($("#cafe-question"), cafe.question || "");
      $("#cafe-question").hidden = !cafe.question;
      renderMap();
    }
    tick();
    requestAnimationFrame(fit);
    if (!was) relayout();
    return true;
  }

  function statusWords() {
    if (cafe.harvest) return w(cafe.harvest.open ? K("star_ideas") : K("harvest_closed"));
    const seated = cafe.tables.reduce((n, t) => n + t.people, 0);
    if (cafe.phase === "setup") return w(K("setup"), { count: cafe.tables.length });
    if (cafe.phase === "seated") return w(K("seated"), { count: seated });
    if (cafe.phase === "between") return w(K("change_tables"));
    if (cafe.phase === "done") return w(K("harvest_next"));
    return w(K("tables_people"), { tables: (t) => t(K("tables"), { count: cafe.tables.length }), people: (t) => t(K("people"), { count: seated }) });
  }

  let dense = false;  // over DENSE tables: two lines a tile, so 60 fit at 1280×720 in type no smaller than 14 px

  function renderMap() {
    dense = cafe.tables.length > DENSE;
    $("#cafe-map").classList.toggle("dense", dense);
    keyed($("#cafe-map"), cafe.tables, (t) => t.table,
      () => el("li", { class: "cafe-tile" },
        el("p", { class: "cafe-tile-name" }, el("span", { class: "cafe-tile-number" }), el("span", { class: "cafe-tile-title" })),
        el("p", { class: "cafe-tile-host" }), el("p", { class: "cafe-tile-count" })),
      (li, t) => {
        const [name, host, count] = li.children;
        setText(name.children[0], String(t.number));
        setText(name.children[1], t.name || "");
        setText(host, t.host ? w(K("host"), { name: t.host }) : w(K("no_host")));
        host.classList.toggle("none", !t.host);
        host.hidden = dense;  // many tables: two lines a tile, "4 · Ana"
        setText(count, dense ? `${t.people} · ${t.host || w(K("no_host_short"))}` : w(K("people"), { count: t.people }));
        li.setAttribute("aria-label", w(t.name ? K("table_named_label") : K("table_label"), { number: t.number, name: t.name || "",
          host: (tr) => (t.host ? tr(K("host_lower"), { name: t.host }) : tr(K("no_host_short"))),
          people: (tr) => tr(K("people"), { count: t.people }) }));
      });
  }

  /** The table map's tile size: the biggest type for which every table fits the space left. */
  function fitMap() {
    const box = $("#cafe-map-box");
    const list = $("#cafe-map");
    const n = cafe.tables.length;
    if (box.hidden || !n) return;
    const W = box.clientWidth, H = box.clientHeight;
    const vmin = Math.min(innerWidth, innerHeight) / 100;
    const gap = 1.2 * vmin;
    let best = null;
    for (let cols = n; cols >= 1; cols--) {  // as big as it gets; of equals, the most columns (the cap)
      const rows = Math.ceil(n / cols);
      const w = (W - gap * (cols - 1)) / cols, h = (H - gap * (rows - 1)) / rows;
      if (w <= 0 || h <= 0) continue;
      const f = dense ? Math.min(h / 3.4, w / 6, 3.6 * vmin) : Math.min(h / 4.6, w / 7.5, 3.6 * vmin);
      if (!best || f > best.f + 0.01) best = { f, cols, w, h };
    }
    if (!best) return;
    list.style.setProperty("--tf", `${best.f.toFixed(2)}px`);
    list.style.gridTemplateColumns = `repeat(${best.cols}, minmax(0, 1fr))`;
    list.style.gap = `${gap}px`;
    // The model is close, not exact (fonts differ): measured, a step smaller until every tile is inside.
    for (let f = best.f; f > 8 && box.scrollHeight > box.clientHeight + 1; f *= 0.95) list.style.setProperty("--tf", `${f.toFixed(2)}px`);
  }

  function renderHarvest(harvest) {
    const shown = harvest.shown;
    $("#cafe-shown").hidden = !shown;
    $("#cafe-top").hidden = Boolean(shown);
    if (shown) {
      setText($("#cafe-question"), tableTitle(shown));
      $("#cafe-question").hidden = false;
      setText($("#cafe-shown-host"), shown.host ? w(K("host"), { name: shown.host }) : "");
      $("#cafe-shown-host").hidden = !shown.host;
      setText($("#cafe-shown-summary"), shown.summary || "");
      $("#cafe-shown-summary").hidden = !shown.summary;
      ideas($("#cafe-ideas"), shown.notes, false);
    } else {
      setText($("#cafe-question"), w(harvest.open ? K("top_so_far") : K("top")));
      $("#cafe-question").hidden = false;
      ideas($("#cafe-top-list"), harvest.top, true);
      $("#cafe-top-empty").hidden = harvest.top.length > 0;
    }
  }

  function ideas(list, notes, where) {
    list.dataset.all = String(notes.length);
    keyed(list, notes, (n) => n.note,
      () => el("li", { class: "cafe-idea" }, el("span", { class: "cafe-idea-text" }), el("span", { class: "cafe-idea-meta" })),
      (li, n) => {
        li.classList.toggle("strong", n.strong);
        setText(li.children[0], n.text);
        const bits = [n.strong ? w(K("strongest")) : "", where ? tableTitle(n) : "", n.stars ? `★ ${n.stars}` : ""].filter(Boolean);
        setText(li.children[1], bits.join(" · "));
      });
  }

  /** Ideas that don't fit are hidden and counted ("+3 more ideas: on your phone"), never clipped. */
  function fitIdeas() {
    const list = cafe.harvest && cafe.harvest.shown ? $("#cafe-ideas") : $("#cafe-top-list");
    const more = cafe.harvest && cafe.harvest.shown ? $("#cafe-ideas-more") : null;
    const items = [...list.children];
    for (const li of items) li.hidden = false;
    if (more) more.hidden = true;
    const box = $("#cafe-harvest");
    let hidden = 0;
    for (let i = items.length - 1; i > 0 && box.scrollHeight > box.clientHeight + 1; i--) {
      items[i].hidden = true;
      hidden += 1;
      if (more) {
        more.hidden = false;
        more.textContent = w(K("more_ideas"), { count: hidden });
      }
    }
  }

  /** The question takes at most a third of the height: its type steps down until it does. */
  function fitQuestion() {
    const q = $("#cafe-question");
    if (q.hidden) return;
    const limit = section.clientHeight * (cafe.harvest ? 0.22 : $("#cafe-map-box").hidden ? 0.7 : dense ? 0.24 : 0.34);
    for (const s of [1, 0.88, 0.76, 0.66, 0.58, 0.5, 0.44]) {
      q.style.setProperty("--q", s);
      if (q.scrollHeight <= limit) break;
    }
  }

  function fit() {
    if (!cafe) return;
    fitQuestion();
    if (cafe.harvest) fitIdeas();
    else fitMap();
  }
  addEventListener("resize", () => requestAnimationFrame(fit));

  function tick() {
    if (!cafe) return;
    setText($("#cafe-status"), statusWords());
    const clockBox = $("#cafe-clock");
    let label = "", count = "", warn = false;
    if (cafe.harvest) {
      label = "";
    } else if (cafe.phase === "round" && cafe.ends_at) {
      const left = secondsLeft(socket, cafe.ends_at);
      label = w(K("time_left"));
      count = left > 0 ? clock(left) : w(K("times_up"));
      warn = cafe.warn_at !== null && secondsLeft(socket, cafe.warn_at) <= 0;
    } else if (cafe.paused) {
      label = w(K("paused"));
      count = "—";
    } else if (cafe.next_at && (cafe.phase === "between" || cafe.phase === "seated")) {
      label = w(K("round_starts_in"), { round: cafe.round });
      count = clock(Math.max(0, secondsLeft(socket, cafe.next_at)));
    }
    clockBox.hidden = !count;
    setText($("#cafe-clock-label"), label);
    setText($("#cafe-countdown"), count);
    clockBox.classList.toggle("warn", warn);
    $("#cafe-warn").hidden = !warn;
    if (warn !== section.classList.contains("warn")) {
      section.classList.toggle("warn", warn);
      requestAnimationFrame(fit);
    }
  }

  return { render, tick, on: () => Boolean(cafe) };
}
