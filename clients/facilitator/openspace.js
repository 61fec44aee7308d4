// The console's Open Space: which part runs, the theme, the topic limit, spaces and time slots; the
// marketplace; "Make the schedule" with its conflict count next to the naive schedule's; the wall,
// where the facilitator moves a topic by hand (choose it, then an empty cell, or use the box under
// the wall) and sees what each move did to the conflict count; locks; starting and ending slots;
// headcounts; reporters; dot-voting, the ranked priorities and action planning.
//
// As in breakouts.js, nothing is rebuilt from scratch on a view: rows and cells are kept by key
// (``keyed()``), a form field the server owns is written only when the server's value changed
// (``syncValue()``), and whatever is typed or focused stays.  Every refusal shows the server's words.
import { secondsLeft, clock, el, $, keyed, keepFocus, setText, syncValue } from "/static/shared/socket.js";

const pad = (n) => String(n).padStart(2, "0");
const hm = (epoch) => { const d = new Date(epoch * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const dayOf = (epoch) => { const d = new Date(epoch * 1000); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };
const span = (slot) => `${hm(slot.start)}–${hm(slot.end)}`;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
/** Epoch seconds of a local date ("2025-05-01") and time ("10:30"), or NaN. */
const epochOf = (day, time) => (day && time ? Math.round(new Date(`${day}T${time}`).getTime() / 1000) : NaN);
/** "12:03", or "1:05:00" from an hour up. */
const longClock = (seconds) => (seconds < 3600 ? clock(seconds)
  : `${Math.floor(seconds / 3600)}:${clock(seconds % 3600).padStart(5, "0")}`);
const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0");

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
      say(err.message, "");
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
        radio.value === "openspace" ? "Open Space is running: the big screen shows it." : "The general assembly is running again.");
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
    if (await act("set_theme", { theme: input.value.trim() }, "Theme saved.")) input.dataset.synced = "";
  });
  $("#os-limit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const limit = Number($("#os-limit").value);
    if (!Number.isInteger(limit) || limit < 1 || limit > 20) { refuse("Each person may convene 1 to 20 topics.", $("#os-limit")); return; }
    act("set_topic_limit", { limit }, `Each person may convene ${plural(limit, "topic", "topics")}.`);
  });

  // --- spaces ------------------------------------------------------------------------------------

  $("#os-space-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#os-space-name");
    const capacity = Number($("#os-space-capacity").value);
    if (!name.value.trim()) { refuse("Give the space a name.", name); return; }
    if (!Number.isInteger(capacity) || capacity < 1) { refuse("A space holds at least one person.", $("#os-space-capacity")); return; }
    const sent = name.value;
    if (await act("add_space", { name: sent.trim(), capacity }, `Space “${sent.trim()}” added.`) && name.value === sent) {
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
      el("a", { href: url, target: "_blank", rel: "noopener" }, `Device link: ${names[space] || space} (view only, opens in a new tab)`))));
    list.hidden = false;
    $("#os-links-help").hidden = false;
    if (!list.children.length) say("Add a space first: each space gets a device link.", "");
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
        if (Object.keys(fields).length === 1) { say("", "Nothing changed."); return; }
        if (await act("edit_space", fields, "Space saved.")) { name.dataset.synced = capacity.dataset.synced = ""; }
      } },
      el("div", { class: "os-field os-grow" }, el("label", { for: name.id, class: "os-name-label" }), name),
      el("div", { class: "os-field" }, el("label", { for: capacity.id, class: "os-cap-label" }), capacity),
      el("button", { type: "submit", class: "secondary small os-save" }, "Save"),
      el("button", { type: "button", class: "danger small os-remove", onclick: () => removeSpace(li._space) }, "Remove")));
    return li;
  }

  function updateSpace(li, space) {
    li._space = space;
    const id = space.space;
    syncValue($(`#os-space-${id}-name`, li), space.name);
    syncValue($(`#os-space-${id}-capacity`, li), space.capacity);
    setText(li.querySelector(".os-name-label"), `Name of ${space.name}`);
    setText(li.querySelector(".os-cap-label"), `Places in ${space.name}`);
    li.querySelector(".os-save").setAttribute("aria-label", `Save ${space.name}`);
    li.querySelector(".os-remove").setAttribute("aria-label", `Remove ${space.name}`);
  }

  async function removeSpace(space) {
    if (await confirmDialog(`Remove the space ${space.name}?`, "Remove space")) act("remove_space", { space: space.space }, `${space.name} removed.`);
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
    if (!day.value) { refuse("Choose the slot's day.", day); return; }
    if (!start.value) { refuse("Give the slot's start time.", start); return; }
    if (!end.value) { refuse("Give the slot's end time.", end); return; }
    const [from, to] = times(day.value, start.value, end.value);
    if (await act("add_slot", { start: from, end: to }, `Slot ${hm(from)}–${hm(to)} added.`)) {
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
        if (!Number.isFinite(from) || !Number.isFinite(to)) { refuse("Give the slot's day, start and end.", day); return; }
        if (from === s.start && to === s.end) { say("", "Nothing changed."); return; }
        if (await act("edit_slot", { slot: s.slot, start: from, end: to }, `Slot moved to ${hm(from)}–${hm(to)}.`)) {
          day.dataset.synced = start.dataset.synced = end.dataset.synced = "";
        }
      } },
      el("p", { class: "os-row-title" }),
      el("div", { class: "os-field" }, el("label", { for: day.id, class: "os-day-label" }), day),
      el("div", { class: "os-field" }, el("label", { for: start.id, class: "os-start-label" }), start),
      el("div", { class: "os-field" }, el("label", { for: end.id, class: "os-end-label" }), end),
      el("button", { type: "submit", class: "secondary small os-save" }, "Save"),
      el("button", { type: "button", class: "danger small os-remove", onclick: () => removeSlot(li._slot) }, "Remove")));
    return li;
  }

  function slotState(slot) {
    return slot.running ? "running" : slot.ended ? "ended" : slot.started ? "started" : "";
  }

  function updateSlot(li, slot, index) {
    li._slot = slot;
    const id = slot.slot;
    const name = `slot ${index + 1}`;
    setText(li.querySelector(".os-row-title"), `Slot ${index + 1}: ${span(slot)}${slotState(slot) ? ` (${slotState(slot)})` : ""}`);
    syncValue($(`#os-slot-${id}-day`, li), dayOf(slot.start));
    syncValue($(`#os-slot-${id}-start`, li), hm(slot.start));
    syncValue($(`#os-slot-${id}-end`, li), hm(slot.end));
    setText(li.querySelector(".os-day-label"), `Day of ${name}`);
    setText(li.querySelector(".os-start-label"), `Start of ${name}`);
    setText(li.querySelector(".os-end-label"), `End of ${name}`);
    for (const input of li.querySelectorAll("input")) input.disabled = slot.started;
    li.querySelector(".os-save").hidden = li.querySelector(".os-remove").hidden = slot.started;
    li.querySelector(".os-save").setAttribute("aria-label", `Save ${name}`);
    li.querySelector(".os-remove").setAttribute("aria-label", `Remove ${name} (${span(slot)})`);
  }

  async function removeSlot(slot) {
    if (await confirmDialog(`Remove the slot ${span(slot)}?`, "Remove slot")) act("remove_slot", { slot: slot.slot }, `Slot ${span(slot)} removed.`);
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
        el("button", { type: "button", class: "secondary small os-choose", onclick: () => select({ topic: li._topic.topic }, true) }, "Choose on the wall"),
        el("button", { type: "button", class: "danger small os-withdraw", onclick: () => withdraw(li._topic) }, "Withdraw")));
    return li;
  }

  function updateTopic(li, t) {
    li._topic = t;
    setText(li.querySelector(".os-topic-title"), t.title);
    setText(li.querySelector(".os-topic-desc"), t.description);
    li.querySelector(".os-topic-desc").hidden = !t.description;
    setText(li.querySelector(".os-topic-interest"), `★ ${t.interest}`);
    li.querySelector(".os-topic-interest").title = `${plural(t.interest, "person wants", "people want")} to go`;
    const conveners = [t.convener, ...t.coconveners].join(", ");
    setText(li.querySelector(".os-topic-who"), `· ${conveners}`);
    setText(li.querySelector(".os-topic-where"), `· ${where(t.slot, t.space)}`);
    li.querySelector(".os-choose").setAttribute("aria-label", `Choose on the wall: ${t.title}`);
    li.querySelector(".os-withdraw").setAttribute("aria-label", `Withdraw ${t.title}`);
  }

  async function withdraw(t) {
    if (await confirmDialog(`Withdraw “${t.title}”? It leaves the marketplace and the wall.`, "Withdraw topic")) {
      if (selected?.topic === t.topic) selected = null;
      act("withdraw_topic", { topic: t.topic }, `“${t.title}” withdrawn.`);
    }
  }

  // --- the wall ------------------------------------------------------------------------------------

  const slotOf = (id) => os.wall.slots.find((s) => s.slot === id);
  const spaceOf = (id) => os.wall.spaces.find((s) => s.space === id);
  const topicOf = (id) => os.topics.find((t) => t.topic === id);
  function where(slot, space) {
    const s = slot && slotOf(slot), sp = space && spaceOf(space);
    return s && sp ? `${span(s)} · ${sp.name}` : "not on the wall";
  }
  let cells = new Map();    // "slot|space" -> cell
  let lockedEmpty = new Set();

  $("#os-make").addEventListener("click", async () => {
    if (os.schedule && !await confirmDialog("Make the schedule again? Topics move, except in locked cells and slots that have started; moves by hand are undone.", "Make it again")) return;
    const button = $("#os-make");
    button.disabled = true;
    setText(button, "Making the schedule…");
    const ok = await act("make_schedule", {});
    button.disabled = false;
    setText(button, "Make the schedule");
    if (ok) say("", "The schedule is made: see its conflicts above the wall.");
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
    setText($("#os-unplaced"), unplaced.length ? `No cell was found for: ${unplaced.map((u) => `“${u.title}”`).join(", ")}.` : "");
    const move = os.last_move;
    $("#os-last-move").hidden = !move;
    if (move) {
      const words = move.change > 0 ? "worse" : move.change < 0 ? "better" : "no change";
      setText($("#os-last-move"), `Last move: “${move.title}” — conflicts ${move.before} → ${move.after} (${signed(move.change)}, ${words}).`);
      $("#os-last-move").className = `os-last-move ${move.change > 0 ? "worse" : move.change < 0 ? "better" : ""}`;
    }
  }

  function renderSlotBar() {
    const running = os.wall.running ? slotOf(os.wall.running) : null;
    const next = os.wall.slots.find((s) => !s.started);
    $("#os-slot-bar").hidden = !running && !next;
    $("#os-running").hidden = !running;
    $("#os-next").hidden = !next;
    if (next) setText($("#os-next-text"), `Next: ${span(next)} (starts by itself at ${hm(next.start)})`);
    $("#os-start-slot").setAttribute("aria-label", next ? `Start the slot ${next ? span(next) : ""} now` : "Start the next slot now");
    tickSlotBar();
  }

  function tickSlotBar() {
    const running = os && os.wall.running ? slotOf(os.wall.running) : null;
    if (!running) return;
    const left = secondsLeft(socket, running.end);
    setText($("#os-running-text"), `Running: ${span(running)} · ${left > 0 ? `${longClock(left)} left` : "time is up"} · ${plural(os.checked_in, "person", "people")} checked in`);
  }

  $("#os-end-slot").addEventListener("click", async () => {
    const running = slotOf(os.wall.running);
    if (running && await confirmDialog(`End the slot ${span(running)} now? Every circle closes and every check-in is cleared.`, "End slot")) {
      act("end_slot", { slot: running.slot }, `Slot ${span(running)} ended.`);
    }
  });
  $("#os-start-slot").addEventListener("click", async () => {
    const next = os.wall.slots.find((s) => !s.started);
    if (!next) return;
    const running = os.wall.running ? slotOf(os.wall.running) : null;
    if (running && !await confirmDialog(`Start ${span(next)} now? The running slot (${span(running)}) ends first.`, "Start slot")) return;
    act("start_slot", { slot: next.slot }, `Slot ${span(next)} started: its topics are circles now.`);
  });

  function headCell(slot) {
    return el("th", { scope: "col", class: "os-colhead" }, el("span", { class: "os-h-main" }), el("span", { class: "os-h-sub" }));
  }

  function fillHead(th, slot) {
    setText(th.querySelector(".os-h-main"), span(slot));
    const next = os.wall.slots.find((s) => !s.started);
    setText(th.querySelector(".os-h-sub"), slot.running ? "running" : slot.ended ? "ended" : next === slot ? "next" : "\u00a0");
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
    const place = `${span(slot)}, ${space.name}`;
    if (cell) {
      button.dataset.topic = cell.topic;
      setText(button.querySelector(".os-c-title"), cell.title);
      if (button.title !== cell.title) button.title = cell.title;  // the whole title, on hover
      const bits = [`★ ${cell.interest}`];
      if (cell.headcount !== null) bits.push(`${cell.headcount} here`);
      if (locked) bits.push("locked");
      setText(button.querySelector(".os-c-meta"), bits.join(" · "));
      button.setAttribute("aria-label", `${cell.title}, ${place}: ${plural(cell.interest, "person wants", "people want")} it` +
        `${cell.headcount !== null ? `, ${cell.headcount} here` : ""}${locked ? ", locked" : ""}`);
    } else {
      delete button.dataset.topic;
      button.removeAttribute("title");
      const moved = selected?.topic ? topicOf(selected.topic) : null;
      setText(button.querySelector(".os-c-title"), moving ? "Move here" : locked ? "Locked, empty" : "");
      setText(button.querySelector(".os-c-meta"), locked && moving ? "locked" : "");
      button.setAttribute("aria-label", moving && moved ? `Move “${moved.title}” here: ${place}` : `Empty cell, ${place}${locked ? ", locked" : ""}`);
    }
  }

  async function cellClicked(slotWas, spaceWas) {
    const slot = slotOf(slotWas.slot), space = spaceOf(spaceWas.space);  // their names and times now
    if (!slot || !space) return;
    const cell = cells.get(`${slot.slot}|${space.space}`);
    if (selected?.topic && !cell) {
      const topic = topicOf(selected.topic);
      const ok = await act("move_topic", { topic: selected.topic, slot: slot.slot, space: space.space },
        topic ? `“${topic.title}” moved to ${span(slot)} · ${space.name}.` : "");
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
            setText(td.querySelector(".os-h-sub"), plural(sp.capacity, "place", "places"));
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
        if (!cells.has(key) && !lockedEmpty.has(key)) free.push([`${s.slot}|${sp.space}`, `${span(s)} · ${sp.name} (${plural(sp.capacity, "place", "places")})`]);
      }
    }
    if (selected.topic) {
      const t = topicOf(selected.topic);
      const cell = t.slot ? cells.get(`${t.slot}|${t.space}`) : null;
      setText($("#os-sel-title"), `“${t.title}” · ${where(t.slot, t.space)}`);
      const bits = [`convened by ${[t.convener, ...t.coconveners].join(", ")}`, `${plural(t.interest, "person wants", "people want")} it`];
      if (cell && cell.headcount !== null) bits.push(`${cell.headcount} here now`);
      bits.push(`reporter: ${t.reporter || t.convener}`);
      setText($("#os-sel-meta"), bits.join(" · "));
      $("#os-sel-off").hidden = !t.slot;
      $("#os-sel-lock").hidden = !cell;
      if (cell) setText($("#os-sel-lock"), cell.locked ? "Unlock the cell" : "Lock the cell");
      setText($("#os-move-label"), `Move “${t.title}” to`);
      setText($("#os-move-go"), "Move");
      const slots = os.wall.slots.filter((s) => !s.started).map((s) => [`${s.slot}|`, `${span(s)} · any free space (the smallest that fits)`]);
      setOptions($("#os-move-to"), [...slots, ...free, ...(t.slot ? [["|", "Off the wall"]] : [])]);
      $("#os-reporter-form").hidden = false;
      const current = people.find((p) => p.name === (t.reporter || t.convener) && (t.conveners_ids || []).includes(p.id))
        || people.find((p) => p.name === (t.reporter || t.convener));
      const convening = new Set(t.conveners_ids || []);
      const ordered = [...people].sort((a, b) => (convening.has(b.id) - convening.has(a.id)) || a.name.localeCompare(b.name));
      setOptions($("#os-reporter"), ordered.map((p) => [p.id, `${p.name}${convening.has(p.id) ? " (convener)" : ""}${p.present ? "" : " (away)"}`]));
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
      setText($("#os-sel-title"), `Empty cell · ${span(s)} · ${sp.name}`);
      setText($("#os-sel-meta"), `${plural(sp.capacity, "place", "places")}${locked ? " · locked: making the schedule again leaves it empty" : ""}${s.started ? " · this slot has started" : ""}`);
      $("#os-sel-off").hidden = true;
      $("#os-sel-lock").hidden = false;
      setText($("#os-sel-lock"), locked ? "Unlock the cell" : "Lock the cell");
      setText($("#os-move-label"), `Place a topic in ${span(s)} · ${sp.name}`);
      setText($("#os-move-go"), "Place");
      const topics = [...os.topics].sort((a, b) => (a.slot ? 1 : 0) - (b.slot ? 1 : 0));
      setOptions($("#os-move-to"), topics.map((t) => [t.topic, `${t.title} (${t.slot ? where(t.slot, t.space) : "not on the wall"}, ★ ${t.interest})`]));
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
      const to = slot ? (space ? where(slot, space) : span(slotOf(slot))) : "off the wall";
      if (await act("move_topic", fields, `“${t.title}” moved ${slot ? "to " : ""}${to}.`)) select(null);
    } else {
      const t = topicOf(value);
      if (await act("move_topic", { topic: value, slot: selected.slot, space: selected.space },
        `“${t.title}” placed in ${where(selected.slot, selected.space)}.`)) select(null);
    }
  });
  // A select doesn't submit its form on Enter: this one does (pick a cell, press Enter).
  $("#os-move-to").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); $("#os-move-form").requestSubmit(); }
  });
  $("#os-sel-off").addEventListener("click", async () => {
    const t = topicOf(selected.topic);
    if (await act("move_topic", { topic: t.topic, slot: "" }, `“${t.title}” is off the wall.`)) select(null);
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
    act("lock_cell", { slot, space, locked: !locked }, `${where(slot, space)} ${locked ? "unlocked" : "locked"}.`);
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
    act("set_reporter", { topic: t.topic, participant: pid }, `${person.name} reports for “${t.title}”.`);
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
        setText(li.querySelector(".os-r-meta"), `· by ${r.reporter}${r.participants.length ? ` · ${plural(r.participants.length, "person", "people")}` : ""}${r.dots !== null ? ` · ${plural(r.dots, "dot", "dots")}` : ""}`);
        const text = li.querySelector(".os-r-text");
        const parts = [["Key points", r.key_points], ["Proposals", r.proposals], ["Next steps", r.next_steps]].filter(([, t]) => t);
        const key = JSON.stringify(parts);
        if (text.dataset.key !== key) {
          text.dataset.key = key;
          text.replaceChildren(...parts.flatMap(([label, t]) => [el("h4", {}, label), el("p", {}, t)]));
        }
      });
    const c = os.convergence;
    const open = Boolean(c && c.open);
    $("#os-dots-form").hidden = open;
    $("#os-open-dots").textContent = c ? "Open dot-voting again" : "Open dot-voting";
    $("#os-dots-open").hidden = !open;
    if (open) setText($("#os-voters"), `Dot-voting is open: ${plural(c.dots, "dot", "dots")} each · ${plural(c.voters, "person has", "people have")} placed dots.`);
    const priorities = c && !c.open ? c.priorities : [];
    keyed($("#os-priorities"), priorities, (p) => p.topic,
      () => el("li", {}, el("span", { class: "os-p-title" }), " ", el("span", { class: "os-p-meta muted" })),
      (li, p) => {
        setText(li.querySelector(".os-p-title"), p.title);
        setText(li.querySelector(".os-p-meta"), `· ${plural(p.dots, "dot", "dots")} · ${p.adopted_by.length ? `adopted by ${p.adopted_by.join(", ")}` : "not adopted yet"}`);
      });
    $("#os-plan-form").hidden = !priorities.length;
    setOptions($("#os-plan-slot"), os.wall.slots.filter((s) => !s.started).map((s) => [s.slot, span(s)]));
  }

  $("#os-dots-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const dots = Number($("#os-dots").value);
    if (!Number.isInteger(dots) || dots < 1 || dots > 20) { refuse("Each person gets 1 to 20 dots.", $("#os-dots")); return; }
    act("open_dots", { dots }, `Dot-voting is open: ${plural(dots, "dot", "dots")} each.`);
  });
  $("#os-close-dots").addEventListener("click", async () => {
    if (await confirmDialog("Close dot-voting? The ranking is recorded and shown on the big screen.", "Close dot-voting")) {
      act("close_dots", {}, "Dot-voting closed: the priorities are ranked.");
    }
  });
  $("#os-plan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const slot = $("#os-plan-slot").value;
    if (!slot) { refuse("Add a slot that hasn't started for action planning first.", null); return; }
    act("plan_actions", { slot }, `Action planning is on the wall in ${span(slotOf(slot))}.`);
  });

  // --- rendering -----------------------------------------------------------------------------------

  function render(section, view) {
    os = section;
    people = (view.participants || []).filter((p) => !p.removed);
    const on = os.part === "openspace";
    document.body.classList.toggle("os-on", on);
    $("#os-top").hidden = !on;
    setText($("#os-state"), on ? "(running)" : "(not running)");
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
    setText($("#os-setup-count"), `(${plural(spaces.length, "space", "spaces")}, ${plural(slots.length, "slot", "slots")})`);
    setText($("#os-spaces-count"), `(${spaces.length})`);
    setText($("#os-slots-count"), `(${slots.length})`);
    keyed($("#os-spaces"), spaces, (s) => s.space, spaceRow, updateSpace);
    let index = 0;
    keyed($("#os-slots"), slots, (s) => s.slot, slotRow, (li, s) => updateSlot(li, s, index++));
    prefillSlot();
    const marks = os.topics.reduce((sum, t) => sum + t.interest, 0);
    setText($("#os-market-count"), `(${plural(os.topics.length, "topic", "topics")}, ${plural(marks, "mark", "marks")})`);
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
      setText($("#os-top-link"), `Open Space: ${span(running)}, ${left > 0 ? `${longClock(left)} left` : "time is up"}`);
    } else setText($("#os-top-link"), "Open Space");
  }

  return { render, tick };
}
