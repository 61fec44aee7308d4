// The console's Open Space: which part runs, the theme, the topic limit, spaces and time slots; the
// marketplace; "Make the schedule" with its conflict count next to the naive schedule's; the wall,
// where the facilitator moves a topic by hand (choose it, then an empty cell, or use the box under
// the wall) and sees what each move did to the conflict count; locks; starting and ending slots;
// headcounts; reporters; dot-voting, the ranked priorities and action planning.
//
// As in breakouts.js, nothing is rebuilt from scratch on a view: rows and cells are kept by key
// (``keyed()``), a form field the server owns is written only when the server's value changed
// (``syncValue()``), and whatever is typed or focused stays.  Every refusal shows the server's words.
//
// Words are the openspace-console catalogue's (O(key) for openspace-console.<key>), in the console's
// language; render() runs again when it changes.  Topic titles, names and spaces are people's own words.
import { secondsLeft, clock, el, $, keyed, keepFocus, setText, syncValue } from "/static/shared/socket.js";
import { t, tn, errorText, dir } from "/static/shared/i18n.js";

const O = (key, params) => t(`openspace-console.${key}`, params);
const On = (key, count, params) => tn(`openspace-console.${key}`, count, params);
/** A title in the console language's quotation marks. */
const quoted = (title) => O("s.quoted", { title });
/** Between the names of a list (", ", or "، " in Arabic). */
const separator = () => t("common.list.separator");

const pad = (n) => String(n).padStart(2, "0");
const hm = (epoch) => { const d = new Date(epoch * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const dayOf = (epoch) => { const d = new Date(epoch * 1000); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };
/** "10:00–11:00", kept left to right inside a right-to-left console (else Arabic shows it "11:00–10:00"). */
const span = (slot) => (dir() === "rtl" ? `\u2066${hm(slot.start)}–${hm(slot.end)}\u2069` : `${hm(slot.start)}–${hm(slot.end)}`);
/** People's words (a space's name, a topic's title) in their own direction inside a right-to-left console. */
const own = (text) => (dir() === "rtl" ? `\u2068${text}\u2069` : text);
/** "3 dots", "1 place": a count and its noun, in the console's language (openspace-console.s.<key>). */
const plural = (n, key) => On(`s.${key}`, n);
/** Epoch seconds of a local date ("2025-05-01") and time ("10:30"), or NaN. */
const epochOf = (day, time) => (day && time ? Math.round(new Date(`${day}T${time}`).getTime() / 1000) : NaN);
/** "12:03", or "1:05:00" from an hour up. */
const longClock = (seconds) => (seconds < 3600 ? clock(seconds)
  : `${Math.floor(seconds / 3600)}:${clock(seconds % 3600).padStart(5, "0")}`);
const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0");
/** "12:03 left", or "time is up". */
const timeLeft = (seconds) => (seconds > 0 ? O("s.left", { time: longClock(seconds) }) : O("s.time_up"));

export function openSpaceConsole({ socket, confirmDialog }) {
  let os = null;            // the facilitator view's ``openspace``
  let people = [];          // the meeting's participants (for reporters)
  let selected = null;      // {topic} or {slot, space}: what the action bar under the wall acts on
  let slotFormTouched = false;
  let firstRender = true;
  let wasOn = null;

  // --- commands --------------------------------------------------------------------------------

  async function act(type, fields, done = "") {
    say("", "");
    try {
      const reply = await socket.request(type, fields);
      say("", done);
      return reply || true;
    } catch (err) {
      say(errorText(err), "");
      return false;
    }
  }

  function refuse(text, input) {
    say(text, "");
    if (input) input.focus();
  }

  let quiet = 0;
  /** Show a refusal (stays until the next action or Dismiss) or what an action did (fades after a while). */
  function say(error, status) {
    $("#os-error").textContent = error;
    $("#os-status").textContent = status;
    $("#os-toast").hidden = !error && !status;
    clearTimeout(quiet);
    if (status && !error) quiet = setTimeout(() => say("", ""), 8000);
  }
  $("#os-toast-close").addEventListener("click", () => say("", ""));

  // --- which part runs, the theme, the limit --------------------------------------------------

  for (const radio of document.querySelectorAll('input[name="os-part"]')) {
    radio.addEventListener("change", async () => {
      if (!radio.checked) return;
      const ok = await act("set_part", { part: radio.value },
        radio.value === "openspace" ? O("s.part_openspace") : O("s.part_assembly"));
      if (!ok) syncPart(true);
    });
  }

  function syncPart(force = false) {
    const value = os ? os.part : "assembly";
    for (const radio of document.querySelectorAll('input[name="os-part"]')) {
      if (force || radio.dataset.synced !== value) radio.checked = radio.value === value;
      radio.dataset.synced = value;
    }
  }

  $("#os-theme-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#os-theme");
    if (await act("set_theme", { theme: input.value.trim() }, O("s.theme_saved"))) input.dataset.synced = "";
  });
  $("#os-limit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const limit = Number($("#os-limit").value);
    if (!Number.isInteger(limit) || limit < 1 || limit > 20) { refuse(O("s.limit_range", { low: 1, high: 20 }), $("#os-limit")); return; }
    act("set_topic_limit", { limit }, plural(limit, "limit_saved"));
  });

  // --- spaces ------------------------------------------------------------------------------------

  $("#os-space-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#os-space-name");
    const capacity = Number($("#os-space-capacity").value);
    if (!name.value.trim()) { refuse(O("s.space_name_needed"), name); return; }
    if (!Number.isInteger(capacity) || capacity < 1) { refuse(O("s.space_capacity_needed"), $("#os-space-capacity")); return; }
    const sent = name.value;
    if (await act("add_space", { name: sent.trim(), capacity }, O("s.space_added", { name: sent.trim() })) && name.value === sent) {
      name.value = "";
      name.focus();
    }
  });

  // Each space's device link (a laptop or tablet there shows the circle meeting in it now).
  $("#os-links").addEventListener("click", async () => {
    const reply = await act("circle_links", {});
    if (!reply || !reply.links) return;
    const names = Object.fromEntries((os ? os.wall.spaces : []).map((s) => [s.space, s.name]));
    const list = $("#os-link-list");
    list.replaceChildren(...Object.entries(reply.links).map(([space, url]) => el("li", {},
      el("a", { href: url, target: "_blank", rel: "noopener" }, O("s.device_link", { name: names[space] || space })))));
    list.hidden = false;
    $("#os-links-help").hidden = false;
    if (!list.children.length) say(O("s.add_space_first"), "");
  });

  function spaceRow(space) {
    const id = space.space;
    const name = el("input", { type: "text", id: `os-space-${id}-name`, maxlength: 40, autocomplete: "off" });
    const capacity = el("input", { type: "number", id: `os-space-${id}-capacity`, min: 1, max: 10000, inputmode: "numeric" });
    const li = el("li", { class: "os-row" },
      el("form", { class: "os-add", novalidate: true, onsubmit: async (event) => {
        event.preventDefault();
        const s = li._space;
        const fields = { space: s.space };
        if (name.value.trim() !== s.name) fields.name = name.value.trim();
        if (Number(capacity.value) !== s.capacity) fields.capacity = Number(capacity.value);
        if (Object.keys(fields).length === 1) { say("", O("s.nothing_changed")); return; }
        if (await act("edit_space", fields, O("s.space_saved"))) { name.dataset.synced = capacity.dataset.synced = ""; }
      } },
      el("div", { class: "os-field os-grow" }, el("label", { for: name.id, class: "os-name-label" }), name),
      el("div", { class: "os-field" }, el("label", { for: capacity.id, class: "os-cap-label" }), capacity),
      el("button", { type: "submit", class: "secondary small os-save" }),
      el("button", { type: "button", class: "danger small os-remove", onclick: () => removeSpace(li._space) })));
    return li;
  }

  function updateSpace(li, space) {
    li._space = space;
    const id = space.space;
    syncValue($(`#os-space-${id}-name`, li), space.name);
    syncValue($(`#os-space-${id}-capacity`, li), space.capacity);
    setText(li.querySelector(".os-name-label"), O("s.name_of", { name: space.name }));
    setText(li.querySelector(".os-cap-label"), O("s.places_in", { name: space.name }));
    wordRowButtons(li, O("s.save_name", { name: space.name }), O("s.remove_name", { name: space.name }));
  }

  /** A row's Save and Remove buttons: their words, and names that say which row. */
  function wordRowButtons(li, saveLabel, removeLabel) {
    const save = li.querySelector(".os-save"), remove = li.querySelector(".os-remove");
    setText(save, O("s.save"));
    setText(remove, O("s.remove"));
    save.setAttribute("aria-label", saveLabel);
    remove.setAttribute("aria-label", removeLabel);
  }

  async function removeSpace(space) {
    if (await confirmDialog(O("s.remove_space_confirm", { name: space.name }), O("s.remove_space"))) {
      act("remove_space", { space: space.space }, O("s.removed", { name: space.name }));
    }
  }

  // --- time slots ---------------------------------------------------------------------------------

  for (const id of ["#os-slot-day", "#os-slot-start", "#os-slot-end"]) $(id).addEventListener("input", () => { slotFormTouched = true; });

  /** Two inputs (start and end time, on one day) as epoch seconds; an end before the start is the next day. */
  function times(day, start, end) {
    const from = epochOf(day, start);
    let to = epochOf(day, end);
    if (to <= from) to += 24 * 3600;
    return [from, to];
  }

  $("#os-slot-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const day = $("#os-slot-day"), start = $("#os-slot-start"), end = $("#os-slot-end");
    if (!day.value) { refuse(O("s.slot_day_needed"), day); return; }
    if (!start.value) { refuse(O("s.slot_start_needed"), start); return; }
    if (!end.value) { refuse(O("s.slot_end_needed"), end); return; }
    const [from, to] = times(day.value, start.value, end.value);
    if (await act("add_slot", { start: from, end: to }, O("s.slot_added", { time: `${hm(from)}–${hm(to)}` }))) {
      slotFormTouched = false;  // the next view fills in the slot after it
      prefillSlot(true);
      start.focus();
    }
  });

  /** The add-slot form suggests the slot after the last one (same length), until someone types in it. */
  function prefillSlot(force = false) {
    if (slotFormTouched && !force) return;
    const slots = os.wall.slots;
    const last = slots.at(-1);
    let from, to;
    if (last) {
      from = last.end;
      to = from + (last.end - last.start);
    } else {
      const now = new Date();
      now.setMinutes(0, 0, 0);
      from = now.getTime() / 1000 + 3600;
      to = from + 3600;
    }
    $("#os-slot-day").value = dayOf(from);
    $("#os-slot-start").value = hm(from);
    $("#os-slot-end").value = hm(to);
  }

  function slotRow(slot) {
    const id = slot.slot;
    const day = el("input", { type: "date", id: `os-slot-${id}-day` });
    const start = el("input", { type: "time", id: `os-slot-${id}-start` });
    const end = el("input", { type: "time", id: `os-slot-${id}-end` });
    const li = el("li", { class: "os-row" },
      el("form", { class: "os-add", novalidate: true, onsubmit: async (event) => {
        event.preventDefault();
        const s = li._slot;
        const [from, to] = times(day.value, start.value, end.value);
        if (!Number.isFinite(from) || !Number.isFinite(to)) { refuse(O("s.slot_times_needed"), day); return; }
        if (from === s.start && to === s.end) { say("", O("s.nothing_changed")); return; }
        if (await act("edit_slot", { slot: s.slot, start: from, end: to }, O("s.slot_moved", { time: `${hm(from)}–${hm(to)}` }))) {
          day.dataset.synced = start.dataset.synced = end.dataset.synced = "";
        }
      } },
      el("p", { class: "os-row-title" }),
      el("div", { class: "os-field" }, el("label", { for: day.id, class: "os-day-label" }), day),
      el("div", { class: "os-field" }, el("label", { for: start.id, class: "os-start-label" }), start),
      el("div", { class: "os-field" }, el("label", { for: end.id, class: "os-end-label" }), end),
      el("button", { type: "submit", class: "secondary small os-save" }),
      el("button", { type: "button", class: "danger small os-remove", onclick: () => removeSlot(li._slot) })));
    return li;
  }

  function slotState(slot) {
    return slot.running ? "running" : slot.ended ? "ended" : slot.started ? "started" : "";
  }

  function updateSlot(li, slot, index) {
    li._slot = slot;
    const id = slot.slot;
    const n = index + 1;
    const state = slotState(slot);
    setText(li.querySelector(".os-row-title"), state ? O("s.slot_title_state", { n, time: span(slot), state: O(`s.state.${state}`) })
      : O("s.slot_title", { n, time: span(slot) }));
    syncValue($(`#os-slot-${id}-day`, li), dayOf(slot.start));
    syncValue($(`#os-slot-${id}-start`, li), hm(slot.start));
    syncValue($(`#os-slot-${id}-end`, li), hm(slot.end));
    setText(li.querySelector(".os-day-label"), O("s.day_of_slot", { n }));
    setText(li.querySelector(".os-start-label"), O("s.start_of_slot", { n }));
    setText(li.querySelector(".os-end-label"), O("s.end_of_slot", { n }));
    for (const input of li.querySelectorAll("input")) input.disabled = slot.started;
    li.querySelector(".os-save").hidden = li.querySelector(".os-remove").hidden = slot.started;
    wordRowButtons(li, O("s.save_slot", { n }), O("s.remove_slot_n", { n, time: span(slot) }));
  }

  async function removeSlot(slot) {
    if (await confirmDialog(O("s.remove_slot_confirm", { time: span(slot) }), O("s.remove_slot"))) {
      act("remove_slot", { slot: slot.slot }, O("s.slot_removed", { time: span(slot) }));
    }
  }

  // --- the marketplace -----------------------------------------------------------------------------

  function topicRow() {
    const li = el("li", { class: "os-topic" },
      el("p", { class: "os-topic-title" }),
      el("p", { class: "os-topic-desc muted" }),
      el("p", { class: "os-topic-meta" },
        el("span", { class: "os-topic-interest" }), " ",
        el("span", { class: "os-topic-who muted" }), " ",
        el("span", { class: "os-topic-where muted" })),
      el("p", { class: "row-actions" },
        el("button", { type: "button", class: "secondary small os-choose", onclick: () => select({ topic: li._topic.topic }, true) }),
        el("button", { type: "button", class: "danger small os-withdraw", onclick: () => withdraw(li._topic) })));
    return li;
  }

  function updateTopic(li, t) {
    li._topic = t;
    setText(li.querySelector(".os-topic-title"), t.title);
    setText(li.querySelector(".os-topic-desc"), t.description);
    li.querySelector(".os-topic-desc").hidden = !t.description;
    setText(li.querySelector(".os-topic-interest"), `★ ${t.interest}`);
    li.querySelector(".os-topic-interest").title = plural(t.interest, "want_to_go");
    const conveners = [t.convener, ...t.coconveners].join(separator());
    setText(li.querySelector(".os-topic-who"), `· ${conveners}`);
    setText(li.querySelector(".os-topic-where"), `· ${where(t.slot, t.space)}`);
    setText(li.querySelector(".os-choose"), O("s.choose_on_wall"));
    setText(li.querySelector(".os-withdraw"), O("s.withdraw"));
    li.querySelector(".os-choose").setAttribute("aria-label", O("s.choose_on_wall_title", { title: t.title }));
    li.querySelector(".os-withdraw").setAttribute("aria-label", O("s.withdraw_title", { title: t.title }));
  }

  async function withdraw(t) {
    if (await confirmDialog(O("s.withdraw_confirm", { title: t.title }), O("s.withdraw_topic"))) {
      if (selected?.topic === t.topic) selected = null;
      act("withdraw_topic", { topic: t.topic }, O("s.withdrawn", { title: t.title }));
    }
  }

  // --- the wall ------------------------------------------------------------------------------------

  const slotOf = (id) => os.wall.slots.find((s) => s.slot === id);
  const spaceOf = (id) => os.wall.spaces.find((s) => s.space === id);
  const topicOf = (id) => os.topics.find((t) => t.topic === id);
  function where(slot, space) {
    const s = slot && slotOf(slot), sp = space && spaceOf(space);
    return s && sp ? `${span(s)} · ${own(sp.name)}` : O("s.not_on_wall");
  }
  let cells = new Map();    // "slot|space" -> cell
  let lockedEmpty = new Set();

  $("#os-make").addEventListener("click", async () => {
    if (os.schedule && !await confirmDialog(O("s.make_again_confirm"), O("s.make_again"))) return;
    const button = $("#os-make");
    button.disabled = true;
    setText(button, O("s.making"));
    const ok = await act("make_schedule", {});
    button.disabled = false;
    setText(button, O("make_the_schedule"));
    if (ok) say("", O("s.made"));
  });

  function renderFigures() {
    const s = os.schedule;
    $("#os-figures").hidden = $("#os-figures-hint").hidden = !s;
    if (s) {
      setText($("#os-made"), String(s.conflicts));
      setText($("#os-naive"), String(s.naive));
      setText($("#os-saved"), String(s.saved));
      setText($("#os-lower"), String(s.lower_bound));
      setText($("#os-now"), String(os.conflicts));
    }
    const unplaced = s ? s.unplaced : [];
    $("#os-unplaced").hidden = !unplaced.length;
    setText($("#os-unplaced"), unplaced.length
      ? O("s.unplaced", { titles: unplaced.map((u) => quoted(u.title)).join(separator()) }) : "");
    const move = os.last_move;
    $("#os-last-move").hidden = !move;
    if (move) {
      const verdict = O(move.change > 0 ? "s.worse" : move.change < 0 ? "s.better" : "s.no_change");
      setText($("#os-last-move"), O("s.last_move",
        { title: move.title, before: move.before, after: move.after, change: signed(move.change), verdict }));
      $("#os-last-move").className = `os-last-move ${move.change > 0 ? "worse" : move.change < 0 ? "better" : ""}`;
    }
  }

  function renderSlotBar() {
    const running = os.wall.running ? slotOf(os.wall.running) : null;
    const next = os.wall.slots.find((s) => !s.started);
    $("#os-slot-bar").hidden = !running && !next;
    $("#os-running").hidden = !running;
    $("#os-next").hidden = !next;
    if (next) setText($("#os-next-text"), O("s.next_slot", { time: span(next), start: hm(next.start) }));
    $("#os-start-slot").setAttribute("aria-label", next ? O("s.start_slot_now", { time: span(next) }) : O("s.start_next_now"));
    tickSlotBar();
  }

  function tickSlotBar() {
    const running = os && os.wall.running ? slotOf(os.wall.running) : null;
    if (!running) return;
    const left = secondsLeft(socket, running.end);
    setText($("#os-running-text"), [O("s.running_slot", { time: span(running) }), timeLeft(left), plural(os.checked_in, "checked_in")].join(" · "));
  }

  $("#os-end-slot").addEventListener("click", async () => {
    const running = slotOf(os.wall.running);
    if (running && await confirmDialog(O("s.end_slot_confirm", { time: span(running) }), O("s.end_slot"))) {
      act("end_slot", { slot: running.slot }, O("s.slot_ended", { time: span(running) }));
    }
  });
  $("#os-start-slot").addEventListener("click", async () => {
    const next = os.wall.slots.find((s) => !s.started);
    if (!next) return;
    const running = os.wall.running ? slotOf(os.wall.running) : null;
    if (running && !await confirmDialog(O("s.start_slot_confirm", { time: span(next), running: span(running) }), O("s.start_slot"))) return;
    act("start_slot", { slot: next.slot }, O("s.slot_started", { time: span(next) }));
  });

  function headCell(slot) {
    return el("th", { scope: "col", class: "os-colhead" }, el("span", { class: "os-h-main" }), el("span", { class: "os-h-sub" }));
  }

  function fillHead(th, slot) {
    setText(th.querySelector(".os-h-main"), span(slot));
    const next = os.wall.slots.find((s) => !s.started);
    setText(th.querySelector(".os-h-sub"), slot.running ? O("s.state.running") : slot.ended ? O("s.state.ended")
      : next === slot ? O("s.state.next") : "\u00a0");
    th.classList.toggle("running", slot.running);
    th.classList.toggle("ended", slot.ended);
  }

  function cellButton(slot, space) {
    const button = el("button", { type: "button", class: "os-cell", "aria-pressed": "false", onclick: () => cellClicked(slot, space) },
      el("span", { class: "os-c-title" }),
      el("span", { class: "os-c-meta" }));
    return el("td", {}, button);
  }

  function fillCell(td, slot, space) {
    const button = td.firstElementChild;
    const cell = cells.get(`${slot.slot}|${space.space}`);
    const locked = cell ? cell.locked : lockedEmpty.has(`${slot.slot}|${space.space}`);
    const chosen = selected && (cell ? selected.topic === cell.topic : selected.slot === slot.slot && selected.space === space.space);
    const moving = selected?.topic && !cell && !slot.started && !locked;
    button.setAttribute("aria-pressed", chosen ? "true" : "false");
    button.classList.toggle("empty", !cell);
    button.classList.toggle("locked", locked);
    button.classList.toggle("running", slot.running);
    button.classList.toggle("ended", slot.ended);
    button.classList.toggle("target", Boolean(moving));
    button.dataset.cell = `${slot.slot}|${space.space}`;
    const place = `${span(slot)}, ${own(space.name)}`;
    if (cell) {
      button.dataset.topic = cell.topic;
      setText(button.querySelector(".os-c-title"), cell.title);
      if (button.title !== cell.title) button.title = cell.title;  // the whole title, on hover
      const bits = [`★ ${cell.interest}`];
      if (cell.headcount !== null) bits.push(O("s.here", { count: cell.headcount }));
      if (locked) bits.push(O("s.locked"));
      setText(button.querySelector(".os-c-meta"), bits.join(" · "));
      button.setAttribute("aria-label", O("s.cell_label", { title: cell.title, place, wants: plural(cell.interest, "wants_it") }) +
        `${cell.headcount !== null ? `, ${O("s.here", { count: cell.headcount })}` : ""}${locked ? `, ${O("s.locked")}` : ""}`);
    } else {
      delete button.dataset.topic;
      button.removeAttribute("title");
      const moved = selected?.topic ? topicOf(selected.topic) : null;
      setText(button.querySelector(".os-c-title"), moving ? O("s.move_here") : locked ? O("s.locked_empty") : "");
      setText(button.querySelector(".os-c-meta"), locked && moving ? O("s.locked") : "");
      button.setAttribute("aria-label", moving && moved ? O("s.move_title_here", { title: moved.title, place })
        : `${O("s.empty_cell", { place })}${locked ? `, ${O("s.locked")}` : ""}`);
    }
  }

  async function cellClicked(slotWas, spaceWas) {
    const slot = slotOf(slotWas.slot), space = spaceOf(spaceWas.space);  // their names and times now
    if (!slot || !space) return;
    const cell = cells.get(`${slot.slot}|${space.space}`);
    if (selected?.topic && !cell) {
      const topic = topicOf(selected.topic);
      const ok = await act("move_topic", { topic: selected.topic, slot: slot.slot, space: space.space },
        topic ? O("s.moved_to", { title: topic.title, place: `${span(slot)} · ${own(space.name)}` }) : "");
      if (ok) select(null);
      return;
    }
    if (cell) select(selected?.topic === cell.topic ? null : { topic: cell.topic });
    else select(selected?.slot === slot.slot && selected?.space === space.space ? null : { slot: slot.slot, space: space.space });
  }

  // The arrow keys move between the wall's cells (Tab still goes through them all, in order).
  $("#os-grid").addEventListener("keydown", (event) => {
    const step = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[event.key];
    const cell = event.target.closest?.(".os-cell");
    if (!step || !cell) return;
    const td = cell.parentElement;
    const tr = td.parentElement;
    const rows = [...$("#os-grid-body").children];
    const row = rows[rows.indexOf(tr) + step[0]];
    const next = row?.children[[...tr.children].indexOf(td) + step[1]]?.querySelector(".os-cell");
    if (!next) return;
    event.preventDefault();
    next.focus();
  });

  /** Choose what the action bar acts on (null: nothing); ``scroll`` brings the wall's cell into view. */
  function select(what, scroll = false) {
    selected = what;
    renderWall();
    renderSelected();
    if (what && scroll) {
      const topic = what.topic ? topicOf(what.topic) : null;
      const button = topic && topic.slot ? document.querySelector(`#os-grid [data-topic="${CSS.escape(topic.topic)}"]`) : null;
      (button || $("#os-selected")).scrollIntoView({ block: "nearest" });
      if (button) button.focus({ preventScroll: true });
      else $("#os-move-to").focus({ preventScroll: true });
    }
  }

  function renderWall() {
    const { slots, spaces } = os.wall;
    cells = new Map(os.wall.cells.map((c) => [`${c.slot}|${c.space}`, c]));
    lockedEmpty = new Set(os.wall.locked_empty.map((c) => `${c.slot}|${c.space}`));
    const drawn = slots.length > 0 && spaces.length > 0;
    $("#os-wall-scroll").hidden = !drawn;
    $("#os-wall-hint").hidden = !drawn;
    $("#os-no-wall").hidden = drawn;
    keyed($("#os-grid-head"), [null, ...slots], (s) => (s ? s.slot : "corner"),
      (s) => (s ? headCell(s) : el("td", { class: "os-corner" })),
      (th, s) => { if (s) fillHead(th, s); });
    keyed($("#os-grid-body"), spaces, (sp) => sp.space, () => el("tr"),
      (tr, sp) => keyed(tr, [null, ...slots], (s) => (s ? s.slot : "head"),
        (s) => (s ? cellButton(s, sp) : el("th", { scope: "row", class: "os-rowhead" }, el("span", { class: "os-h-main" }), el("span", { class: "os-h-sub" }))),
        (td, s) => {
          if (!s) {
            setText(td.querySelector(".os-h-main"), sp.name);
            setText(td.querySelector(".os-h-sub"), plural(sp.capacity, "places"));
            return;
          }
          // A cell's click handler was made with the slot and space it was created for: both keys.
          fillCell(td, s, sp);
        }));
    const unscheduled = os.unscheduled;
    setText($("#os-unscheduled-count"), `(${unscheduled.length})`);
    $("#os-all-placed").hidden = unscheduled.length > 0 || !os.topics.length;
    keyed($("#os-unscheduled"), unscheduled, (t) => t.topic,
      (t) => el("li", {}, el("button", { type: "button", class: "secondary small", "aria-pressed": "false",
        onclick: () => select(selected?.topic === t.topic ? null : { topic: t.topic }) })),
      (li, t) => {
        const b = li.firstElementChild;
        setText(b, t.title);
        b.setAttribute("aria-pressed", selected?.topic === t.topic ? "true" : "false");
      });
  }

  /** The action bar under the wall, for the chosen topic or empty cell. */
  function renderSelected() {
    const box = $("#os-selected");
    if (selected?.topic && !topicOf(selected.topic)) selected = null;  // withdrawn or merged meanwhile
    if (selected && !selected.topic && (!slotOf(selected.slot) || !spaceOf(selected.space))) selected = null;
    box.hidden = !selected;
    if (!selected) return;
    const free = [];
    for (const s of os.wall.slots) {
      if (s.started) continue;
      for (const sp of os.wall.spaces) {
        const key = `${s.slot}|${sp.space}`;
        if (!cells.has(key) && !lockedEmpty.has(key)) free.push([`${s.slot}|${sp.space}`, `${span(s)} · ${own(sp.name)} (${plural(sp.capacity, "places")})`]);
      }
    }
    if (selected.topic) {
      const t = topicOf(selected.topic);
      const cell = t.slot ? cells.get(`${t.slot}|${t.space}`) : null;
      setText($("#os-sel-title"), `${quoted(t.title)} · ${where(t.slot, t.space)}`);
      const bits = [O("s.convened_by", { names: [t.convener, ...t.coconveners].join(separator()) }), plural(t.interest, "wants_it")];
      if (cell && cell.headcount !== null) bits.push(O("s.here_now", { count: cell.headcount }));
      bits.push(O("s.reporter_is", { name: t.reporter || t.convener }));
      setText($("#os-sel-meta"), bits.join(" · "));
      $("#os-sel-off").hidden = !t.slot;
      $("#os-sel-lock").hidden = !cell;
      if (cell) setText($("#os-sel-lock"), O(cell.locked ? "s.unlock_cell" : "s.lock_cell"));
      setText($("#os-move-label"), O("s.move_title_to", { title: t.title }));
      setText($("#os-move-go"), O("move"));
      const slots = os.wall.slots.filter((s) => !s.started).map((s) => [`${s.slot}|`, O("s.any_free_space", { time: span(s) })]);
      setOptions($("#os-move-to"), [...slots, ...free, ...(t.slot ? [["|", O("s.off_the_wall")]] : [])]);
      $("#os-reporter-form").hidden = false;
      const current = people.find((p) => p.name === (t.reporter || t.convener) && (t.conveners_ids || []).includes(p.id))
        || people.find((p) => p.name === (t.reporter || t.convener));
      const convening = new Set(t.conveners_ids || []);
      const ordered = [...people].sort((a, b) => (convening.has(b.id) - convening.has(a.id)) || a.name.localeCompare(b.name));
      const person = (p) => (convening.has(p.id) ? (p.present ? O("s.person_convener", { name: p.name }) : O("s.person_convener_away", { name: p.name }))
        : p.present ? p.name : O("s.person_away", { name: p.name }));
      setOptions($("#os-reporter"), ordered.map((p) => [p.id, person(p)]));
      const reporter = $("#os-reporter");
      if (reporter.dataset.for !== t.topic || reporter.dataset.was !== (current?.id || "")) {
        reporter.dataset.for = t.topic;
        reporter.dataset.was = current?.id || "";
        if (current) reporter.value = current.id;
      }
    } else {
      const s = slotOf(selected.slot), sp = spaceOf(selected.space);
      const key = `${s.slot}|${sp.space}`;
      const locked = lockedEmpty.has(key);
      setText($("#os-sel-title"), O("s.empty_cell_title", { place: `${span(s)} · ${own(sp.name)}` }));
      setText($("#os-sel-meta"), [plural(sp.capacity, "places"), ...(locked ? [O("s.locked_stays_empty")] : []),
        ...(s.started ? [O("s.slot_has_started")] : [])].join(" · "));
      $("#os-sel-off").hidden = true;
      $("#os-sel-lock").hidden = false;
      setText($("#os-sel-lock"), O(locked ? "s.unlock_cell" : "s.lock_cell"));
      setText($("#os-move-label"), O("s.place_topic_in", { place: `${span(s)} · ${own(sp.name)}` }));
      setText($("#os-move-go"), O("s.place"));
      const topics = [...os.topics].sort((a, b) => (a.slot ? 1 : 0) - (b.slot ? 1 : 0));
      setOptions($("#os-move-to"), topics.map((t) => [t.topic, `${own(t.title)} (${where(t.slot, t.space)}, ★ ${t.interest})`]));
      $("#os-reporter-form").hidden = true;
    }
  }

  /** Replace a select's options only when they changed, keeping the choice if it is still there. */
  function setOptions(select, options) {
    const signature = JSON.stringify(options);
    if (select.dataset.options === signature) return;
    const keep = select.value;
    select.dataset.options = signature;
    select.replaceChildren(...options.map(([value, label]) => el("option", { value }, label)));
    if (options.some(([value]) => value === keep)) select.value = keep;
  }

  $("#os-move-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("#os-move-to").value;
    if (!value || !selected) return;
    if (selected.topic) {
      const t = topicOf(selected.topic);
      const [slot, space] = value.split("|");
      const fields = { topic: t.topic, slot };
      if (space) fields.space = space;
      const done = slot ? O("s.moved_to", { title: t.title, place: space ? where(slot, space) : span(slotOf(slot)) })
        : O("s.moved_off", { title: t.title });
      if (await act("move_topic", fields, done)) select(null);
    } else {
      const t = topicOf(value);
      if (await act("move_topic", { topic: value, slot: selected.slot, space: selected.space },
        O("s.placed_in", { title: t.title, place: where(selected.slot, selected.space) }))) select(null);
    }
  });
  // A select doesn't submit its form on Enter: this one does (pick a cell, press Enter).
  $("#os-move-to").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); $("#os-move-form").requestSubmit(); }
  });
  $("#os-sel-off").addEventListener("click", async () => {
    const t = topicOf(selected.topic);
    if (await act("move_topic", { topic: t.topic, slot: "" }, O("s.is_off_wall", { title: t.title }))) select(null);
  });
  $("#os-sel-lock").addEventListener("click", async () => {
    let slot, space, locked;
    if (selected.topic) {
      const t = topicOf(selected.topic);
      const cell = cells.get(`${t.slot}|${t.space}`);
      [slot, space, locked] = [t.slot, t.space, cell.locked];
    } else {
      [slot, space] = [selected.slot, selected.space];
      locked = lockedEmpty.has(`${slot}|${space}`);
    }
    act("lock_cell", { slot, space, locked: !locked }, O(locked ? "s.cell_unlocked" : "s.cell_locked", { place: where(slot, space) }));
  });
  $("#os-sel-cancel").addEventListener("click", () => closeSelection());
  $("#os-selected").addEventListener("keydown", (event) => { if (event.key === "Escape") closeSelection(); });

  function closeSelection() {
    const was = selected;
    select(null);
    const key = was?.topic ? `[data-topic="${CSS.escape(was.topic)}"]` : null;
    const button = key ? document.querySelector(`#os-grid ${key}`) : null;
    if (button) button.focus();
    else $("#os-wall-heading").scrollIntoView({ block: "nearest" });
  }
  $("#os-reporter-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const t = topicOf(selected.topic);
    const pid = $("#os-reporter").value;
    const person = people.find((p) => p.id === pid);
    if (!pid || !person) return;
    act("set_reporter", { topic: t.topic, participant: pid }, O("s.reports_for", { name: person.name, title: t.title }));
  });

  // --- harvest and convergence --------------------------------------------------------------------

  function renderConvergence() {
    const news = os.news;
    $("#os-no-reports").hidden = news.length > 0;
    keyed($("#os-reports"), news, (r) => r.topic,
      () => el("li", { class: "os-report" },
        el("details", {}, el("summary", {}, el("span", { class: "os-r-title" }), " ", el("span", { class: "os-r-meta muted" })),
          el("div", { class: "os-r-text" }))),
      (li, r) => {
        setText(li.querySelector(".os-r-title"), r.title);
        setText(li.querySelector(".os-r-meta"), `· ${[O("s.by", { name: r.reporter }),
          ...(r.participants.length ? [plural(r.participants.length, "people")] : []), ...(r.dots !== null ? [plural(r.dots, "dots")] : [])].join(" · ")}`);
        const text = li.querySelector(".os-r-text");
        const parts = [[O("s.key_points"), r.key_points], [O("s.proposals"), r.proposals], [O("s.next_steps"), r.next_steps]].filter(([, t]) => t);
        const key = JSON.stringify(parts);
        if (text.dataset.key !== key) {
          text.dataset.key = key;
          text.replaceChildren(...parts.flatMap(([label, t]) => [el("h4", {}, label), el("p", {}, t)]));
        }
      });
    const c = os.convergence;
    const open = Boolean(c && c.open);
    $("#os-dots-form").hidden = open;
    $("#os-open-dots").textContent = c ? O("s.open_dots_again") : O("open_dot_voting");
    $("#os-dots-open").hidden = !open;
    if (open) setText($("#os-voters"), `${plural(c.dots, "dots_open")} · ${plural(c.voters, "voters")}`);
    const priorities = c && !c.open ? c.priorities : [];
    keyed($("#os-priorities"), priorities, (p) => p.topic,
      () => el("li", {}, el("span", { class: "os-p-title" }), " ", el("span", { class: "os-p-meta muted" })),
      (li, p) => {
        setText(li.querySelector(".os-p-title"), p.title);
        setText(li.querySelector(".os-p-meta"), `· ${plural(p.dots, "dots")} · ${p.adopted_by.length
          ? O("s.adopted_by", { names: p.adopted_by.join(separator()) }) : O("s.not_adopted")}`);
      });
    $("#os-plan-form").hidden = !priorities.length;
    setOptions($("#os-plan-slot"), os.wall.slots.filter((s) => !s.started).map((s) => [s.slot, span(s)]));
  }

  $("#os-dots-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const dots = Number($("#os-dots").value);
    if (!Number.isInteger(dots) || dots < 1 || dots > 20) { refuse(O("s.dots_range", { low: 1, high: 20 }), $("#os-dots")); return; }
    act("open_dots", { dots }, `${plural(dots, "dots_open")}.`);
  });
  $("#os-close-dots").addEventListener("click", async () => {
    if (await confirmDialog(O("s.close_dots_confirm"), O("close_dot_voting"))) {
      act("close_dots", {}, O("s.dots_closed"));
    }
  });
  $("#os-plan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const slot = $("#os-plan-slot").value;
    if (!slot) { refuse(O("s.plan_slot_needed"), null); return; }
    act("plan_actions", { slot }, O("s.planned", { time: span(slotOf(slot)) }));
  });

  // --- rendering -----------------------------------------------------------------------------------

  function render(section, view) {
    os = section;
    people = (view.participants || []).filter((p) => !p.removed);
    const on = os.part === "openspace";
    document.body.classList.toggle("os-on", on);
    $("#os-top").hidden = !on;
    setText($("#os-state"), O(on ? "s.running_paren" : "s.not_running_paren"));
    syncPart();
    const { slots, spaces } = os.wall;
    // While the assembly runs, the panel waits at the end of its column, and says little until used.
    const card = $("#openspace");
    const column = card.parentElement;
    if (on ? column.firstElementChild !== card : column.lastElementChild !== card) {
      keepFocus(() => (on ? column.prepend(card) : column.append(card)));
    }
    $("#os-more").hidden = !on && !slots.length && !spaces.length && !os.topics.length;
    if (firstRender || (on && !wasOn)) {
      // The first time (and when Open Space starts), the setup is the point until there is a wall.
      $("#os-setup").open = on && (!slots.length || !spaces.length);
      $("#os-market").open = !os.schedule;
    }
    firstRender = false;
    wasOn = on;
    syncValue($("#os-theme"), os.theme);
    syncValue($("#os-limit"), os.topic_limit);
    setText($("#os-setup-count"), `(${[plural(spaces.length, "spaces"), plural(slots.length, "slots")].join(separator())})`);
    setText($("#os-spaces-count"), `(${spaces.length})`);
    setText($("#os-slots-count"), `(${slots.length})`);
    keyed($("#os-spaces"), spaces, (s) => s.space, spaceRow, updateSpace);
    let index = 0;
    keyed($("#os-slots"), slots, (s) => s.slot, slotRow, (li, s) => updateSlot(li, s, index++));
    prefillSlot();
    const marks = os.topics.reduce((sum, t) => sum + t.interest, 0);
    setText($("#os-market-count"), `(${[plural(os.topics.length, "topics"), plural(marks, "marks")].join(separator())})`);
    $("#os-no-topics").hidden = os.topics.length > 0;
    keyed($("#os-topics"), os.topics, (t) => t.topic, topicRow, updateTopic);
    $("#os-make").disabled = false;
    renderFigures();
    renderSlotBar();
    renderWall();
    renderSelected();
    renderConvergence();
  }

  function tick() {
    if (!os) return;
    tickSlotBar();
    const running = os.wall.running ? slotOf(os.wall.running) : null;
    if (running && os.part === "openspace") {
      const left = secondsLeft(socket, running.end);
      setText($("#os-top-link"), O("s.top_link", { time: span(running), left: timeLeft(left) }));
    } else setText($("#os-top-link"), O("open_space"));
  }

  return { render, tick };
}
