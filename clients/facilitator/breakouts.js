// The console's breakout rooms: start a round, run it (time, broadcast, call-back, moving people,
// each room's stack, rapporteur, report and device link), and the report-back after it.
//
// Views arrive many times a second while people join and type, so nothing here is rebuilt from
// scratch: room cards and people rows are kept by key (``keyed()``) and updated in place, selects
// keep their choice, and the start form and message box are never touched by a view.
import { secondsLeft, clock, el, $, keyed } from "/static/shared/socket.js";
import { t, errorText } from "/static/shared/i18n.js";

const B = (key, params) => t(`facilitator.bo.${key}`, params);
/** A button whose fixed label is re-worded by translatePage when the console's language changes. */
const labelled = (attrs, key) => el("button", { type: "button", ...attrs, "data-i18n": `facilitator.bo.${key}` }, B(key));

const MOVE_PLENARY = "plenary";

export function breakouts({ socket, confirmDialog }) {
  let view = null;        // the facilitator view's "rooms" section
  let present = 0;
  let groups = [];
  let links = {};         // room id -> device link
  let linksFor = "";      // which set of rooms the links are for
  let startedOnce = null; // whether a round ever ran (to open the start form the first time)
  let moving = null;      // the participant whose "Move to…" picker is open
  let plenary = null;     // the plenary stack (for report-back: is the rapporteur on it?)
  let refocus = null;     // where the keyboard goes once a moved person's row has left its list

  // --- commands ---------------------------------------------------------------------------------

  async function act(type, fields, field = null) {
    $("#bo-status").textContent = "";
    try {
      const reply = await socket.request(type, fields);
      $("#bo-error").textContent = "";
      return reply || true;
    } catch (err) {
      $("#bo-error").textContent = errorText(err);
      if (field) markInvalid(err.field);
      return false;
    }
  }

  const FIELDS = { rooms: "#bo-count", per_room: "#bo-count", names: "#bo-names", question: "#bo-task",
    minutes: "#bo-minutes", capacity: "#bo-capacity", mode: 'input[name="bo-mode"]' };

  function markInvalid(field) {
    for (const sel of Object.values(FIELDS)) $(sel).removeAttribute("aria-invalid");
    const input = field && FIELDS[field] && $(FIELDS[field]);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  async function requestLinks(signature) {
    linksFor = signature;
    try {
      const reply = await socket.request("room_links", {});
      if (linksFor !== signature) return;
      links = reply.links || {};
      for (const card of $("#bo-rooms").children) updateLink(card, card._room);
    } catch {
      linksFor = "";  // try again with the next view
    }
  }

  // --- the start form ---------------------------------------------------------------------------

  const form = $("#bo-form");
  const split = () => form.querySelector('input[name="bo-split"]:checked').value;
  const mode = () => form.querySelector('input[name="bo-mode"]:checked').value;
  const names = () => $("#bo-names").value.split("\n").map((n) => n.trim()).filter(Boolean);

  function syncForm() {
    const perRoom = split() === "per_room";
    $("#bo-count-label").textContent = B(perRoom ? "people_per_room" : "how_many_rooms");
    $("#bo-count").min = perRoom ? "2" : "1";
    const count = Number($("#bo-count").value);
    let hint = "";
    if (count > 0 && present > 0) {
      hint = perRoom
        ? B("about_rooms", { rooms: Math.max(1, Math.ceil(present / count)), count: present })
        : B("about_people", { low: Math.floor(present / count), high: Math.ceil(present / count), count: present });
    }
    $("#bo-count-hint").textContent = hint;
    const n = names().length;
    $("#bo-names-hint").textContent = !n ? B("names_none")
      : perRoom ? B("names_further", { count: n, next: n + 1 })
        : n > count ? B("names_too_many", { count: n, rooms: count })
          : n === count ? B("names_each") : B("names_other", { count: n, next: n + 1 });
    $("#bo-mix-box").hidden = $("#bo-mix-hint").hidden = mode() !== "random";
    $("#bo-mix-hint").textContent = groups.length
      ? B("groups_offered", { groups: groups.join(", ") })
      : B("no_groups");
    $("#bo-capacity-box").hidden = mode() !== "self";
  }
  form.addEventListener("input", syncForm);
  form.addEventListener("change", syncForm);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    markInvalid(null);
    const count = Number($("#bo-count").value);
    const fields = {
      question: $("#bo-task").value.trim(),
      minutes: Number($("#bo-minutes").value),
      mode: mode(),
    };
    fields[split()] = count;
    const list = names();
    if (list.length) fields.names = list;
    if (fields.mode === "random") fields.mix_groups = $("#bo-mix").checked;
    if (fields.mode === "self") fields.capacity = Number($("#bo-capacity").value) || 0;
    const problem = !Number.isInteger(count) || count < (split() === "per_room" ? 2 : 1)
      ? [split(), split() === "per_room" ? B("room_needs_two") : B("at_least_one_room")]
      : split() === "rooms" && view && count > view.rooms_max ? ["rooms", B("at_most_rooms", { count: view.rooms_max })]
        : split() === "rooms" && list.length > count ? ["names", B("names_too_many", { count: list.length, rooms: count })]
          : !Number.isInteger(fields.minutes) || fields.minutes < 1 || fields.minutes > 240 ? ["minutes", B("round_minutes")]
            : null;
    if (problem) {
      $("#bo-error").textContent = problem[1];
      markInvalid(problem[0]);
      return;
    }
    $("#bo-start-button").disabled = true;
    const ok = await act("start_breakouts", fields, true);
    $("#bo-start-button").disabled = false;
    if (ok) {
      form.reset();
      syncForm();
      $("#breakouts-heading").scrollIntoView({ block: "start" });
      $("#bo-plus5").focus({ preventScroll: true });
    }
  });

  // --- running a round ---------------------------------------------------------------------------

  $("#bo-plus5").addEventListener("click", () => act("add_room_time", { seconds: 300 }));
  $("#bo-minus5").addEventListener("click", () => act("add_room_time", { seconds: -300 }));
  $("#bo-callback-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const seconds = Number($("#bo-return").value);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 600) {
      $("#bo-error").textContent = B("return_seconds");
      $("#bo-return").focus();
      return;
    }
    act("call_back", { seconds });
  });
  $("#bo-end").addEventListener("click", async () => {
    if (await confirmDialog(B("end_confirm"), B("everyone_back_now"))) {
      act("end_breakouts", {});
    }
  });
  $("#bo-broadcast-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("#bo-broadcast");
    const sent = box.value;
    if (!sent.trim()) { $("#bo-error").textContent = B("write_message"); box.focus(); return; }
    if (await act("broadcast", { text: sent }) && box.value === sent) box.value = "";
  });
  $("#bo-hide-report").addEventListener("click", () => act("show_report", { room: "" }));

  // --- keyed lists ---------------------------------------------------------------------------

  /** Replace a select's options only when they changed, keeping the choice if it is still there. */
  function setOptions(select, options) {
    const signature = JSON.stringify(options);
    if (select.dataset.options === signature) return;
    const keep = select.value;
    select.dataset.options = signature;
    select.replaceChildren(...options.map(([value, label, disabled]) => el("option", { value, disabled: Boolean(disabled) }, label)));
    if (options.some(([value, , disabled]) => value === keep && !disabled)) select.value = keep;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // --- people: a row with "Move…", which opens a picker in place ---------------------------------

  function personRow(person) {
    const row = el("li", { class: "bo-person" });
    row.append(
      el("span", { class: "bo-person-name" }),
      labelled({ class: "secondary small bo-move", onclick: () => openPicker(row) }, "move_ellipsis"),
      el("span", { class: "bo-picker", hidden: true },
        el("label", { class: "visually-hidden", for: `bo-move-${person.id}` }),
        el("select", { id: `bo-move-${person.id}` }),
        labelled({ class: "small bo-go", onclick: () => move(row) }, "move"),
        labelled({ class: "secondary small", onclick: () => closePicker(row, true) }, "cancel")));
    row.querySelector("select").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); move(row); }
      if (event.key === "Escape") closePicker(row, true);
    });
    return row;
  }

  function updatePerson(row, person, here) {
    row._person = person;
    row._here = here;
    row.classList.toggle("away", person.present === false);
    setText(row.querySelector(".bo-person-name"), person.present === false ? B("name_away", { name: person.name }) : person.name);
    row.querySelector(".bo-move").setAttribute("aria-label", B("move_name_label", { name: person.name }));
    row.querySelector("label").textContent = B("move_name_to", { name: person.name });
    row.querySelector(".bo-go").setAttribute("aria-label", B("move_name", { name: person.name }));
    const open = moving === person.id;
    row.querySelector(".bo-picker").hidden = !open;
    row.querySelector(".bo-move").hidden = open;
    if (open) setOptions(row.querySelector("select"), moveOptions(here));
  }

  function moveOptions(here) {
    const rooms = (view?.current?.rooms || []).filter((r) => !r.closed && r.room !== here);
    return [
      ...rooms.map((r) => {
        const full = r.capacity && r.people >= r.capacity;
        const count = `${r.people}${r.capacity ? `/${r.capacity}` : ""}`;
        return [r.room, B(full ? "room_option_full" : "room_option", { name: r.name, count }), full];
      }),
      ...(here ? [[MOVE_PLENARY, B("plenary_option")]] : []),
    ];
  }

  function openPicker(row) {
    const previous = moving && document.querySelector(`.bo-person[data-key="${CSS.escape(moving)}"]`);
    moving = row._person.id;
    if (previous && previous !== row) updatePerson(previous, previous._person, previous._here);
    updatePerson(row, row._person, row._here);
    row.querySelector("select").focus();
  }

  function closePicker(row, focus) {
    moving = null;
    updatePerson(row, row._person, row._here);
    if (focus) row.querySelector(".bo-move").focus();
  }

  async function move(row) {
    const target = row.querySelector("select").value;
    if (!target) return;
    const person = row._person;
    const ok = await act("move_to_room", { participant: person.id, room: target === MOVE_PLENARY ? "" : target });
    if (ok) {
      moving = null;
      $("#bo-error").textContent = "";
      const room = target === MOVE_PLENARY ? null : view.current.rooms.find((r) => r.room === target);
      $("#bo-status").textContent = target === MOVE_PLENARY ? B("moved_plenary", { name: person.name })
        : B("moved_to", { name: person.name, room: room?.name || B("the_room") });
      // The row leaves this list with the next view: keep the keyboard where it was (the next person).
      if (row.contains(document.activeElement)) {
        row.querySelector(".bo-move").focus();
        const list = row.parentElement;
        refocus = { list, id: person.id, index: [...list.children].indexOf(row) };
      }
    }
  }

  /** After a move, focus the next person's "Move…" in the list the moved person left. */
  function restoreFocus() {
    if (!refocus) return;
    const { list, id, index } = refocus;
    if ([...list.children].some((row) => row.dataset.key === id)) return;  // not gone yet
    refocus = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const rows = [...list.children];
    const next = rows[Math.min(index, rows.length - 1)];
    if (next) next.querySelector(".bo-move").focus();
    else list.closest(".bo-control, .bo-room")?.querySelector("h3, summary")?.focus();
  }

  // --- room cards --------------------------------------------------------------------------------

  function glanceItem(room) {
    return el("li", {}, el("a", { href: `#bo-room-${room.room}`, onclick: (event) => {
      event.preventDefault();
      const card = document.getElementById(`bo-room-${room.room}`);
      card?.scrollIntoView({ block: "start" });
      card?.focus({ preventScroll: true });
    } }, el("span", { class: "bo-glance-name" }), el("span", { class: "bo-glance-meta" })));
  }

  function updateGlance(item, room) {
    const running = !view.current.ended;
    setText(item.querySelector(".bo-glance-name"), `${room.number}. ${room.name}`);
    const bits = running && !room.closed ? [B("people", { count: room.people })] : [];
    if (running && room.closed) bits.push(B("closed"));
    bits.push(room.rapporteur ? `✎ ${room.rapporteur}` : B("no_rapporteur_lower"));
    if (room.has_report) bits.push(B("report_lower"));
    if (running && room.stack?.speaker) bits.push(B("speaking_lower", { name: room.stack.speaker.name }));
    setText(item.querySelector(".bo-glance-meta"), bits.join(" · "));
    item.classList.toggle("quiet", !room.rapporteur);
    item.classList.toggle("shown", view.shown === room.room);
  }

  function roomCard(room) {
    const id = room.room;
    const card = el("li", { class: "bo-room", id: `bo-room-${id}`, tabindex: "-1" });
    card.append(
      el("div", { class: "bo-room-head" },
        el("h3", { class: "bo-room-name" }),
        el("span", { class: "bo-badges" })),
      el("p", { class: "bo-headcount muted" }),
      el("div", { class: "bo-rapporteur" },
        el("label", { for: `bo-rap-${id}`, "data-i18n": "facilitator.bo.rapporteur" }, B("rapporteur")),
        el("select", { id: `bo-rap-${id}`, onchange: async (event) => {
          const select = event.target;
          if (!await act("set_rapporteur", { room: id, participant: select.value })) select.value = select._shown ?? "";
        } })),
      el("p", { class: "bo-rapporteur-text" }),
      el("div", { class: "bo-stack" },
        el("p", { class: "bo-speaker" }),
        el("p", { class: "bo-next muted" }),
        el("p", { class: "actions" },
          labelled({ class: "small bo-next-speaker", onclick: () => act("next_speaker", { room: id }) }, "next_speaker"),
          labelled({ class: "secondary small bo-end-turn", onclick: () => act("end_turn", { room: id }) }, "end_turn"))),
      el("div", { class: "bo-report" },
        el("p", { class: "bo-report-label muted" }),
        el("div", { class: "bo-report-text", tabindex: "0", role: "region" })),
      el("details", { class: "bo-members" },
        el("summary", {}),
        el("ul", { class: "bo-people" })),
      el("p", { class: "bo-link" },
        el("a", { target: "_blank", rel: "noopener", "data-i18n": "facilitator.bo.device_link" }, B("device_link")),
        labelled({ class: "secondary small bo-copy", onclick: () => copyLink(card) }, "copy"),
        el("span", { class: "bo-copied muted", role: "status" }),
        el("input", { type: "text", readonly: true, class: "bo-link-text", hidden: true, "aria-label": B("device_link"),
          "data-i18n-attr": "aria-label:facilitator.bo.device_link" })),
      el("p", { class: "actions bo-room-actions" },
        el("button", { type: "button", class: "secondary small bo-show", onclick: () => toggleReport(card) }),
        el("button", { type: "button", class: "secondary small bo-call", onclick: () => callRapporteur(card) }),
        labelled({ class: "danger small bo-close", onclick: () => closeRoom(card) }, "close_room")));
    card.querySelector(".bo-members").addEventListener("toggle", () => { if (view?.current) updateCard(card, card._room); });
    return card;
  }

  async function closeRoom(card) {
    const room = card._room;
    if (await confirmDialog(B("close_confirm", { name: room.name, count: room.people }), B("close_room"))) {
      act("close_room", { room: room.room });
    }
  }

  async function callRapporteur(card) {
    const room = card._room;
    if (await act("call_rapporteur", { room: room.room })) {
      $("#bo-status").textContent = B("rapporteur_on_stack", { name: room.rapporteur, room: room.name });
    }
  }

  function toggleReport(card) {
    const room = card._room;
    act("show_report", { room: view.shown === room.room ? "" : room.room });
  }

  async function copyLink(card) {
    const url = links[card._room.room];
    if (!url) return;
    const status = card.querySelector(".bo-copied");
    let done = false;
    try {
      await navigator.clipboard.writeText(url);
      done = true;
    } catch {
      // Without a secure context there is no clipboard API: select the text and copy it the old way.
      const input = card.querySelector(".bo-link-text");
      input.hidden = false;
      input.value = url;
      input.select();
      try { done = document.execCommand("copy"); } catch { done = false; }
    }
    status.textContent = B(done ? "copied" : "copy_by_hand");
    setTimeout(() => { if (status.isConnected) status.textContent = ""; }, 4000);
  }

  function updateLink(card, room) {
    const url = links[room.room];
    const box = card.querySelector(".bo-link");
    box.hidden = !url || room.closed;
    if (!url) return;
    const a = box.querySelector("a");
    if (a.getAttribute("href") !== url) a.href = url;
    a.setAttribute("aria-label", B("device_link_label", { room: room.name }));
    box.querySelector(".bo-copy").setAttribute("aria-label", B("copy_label", { room: room.name }));
  }

  function updateCard(card, room) {
    card._room = room;
    const running = !view.current.ended;
    const shown = view.shown === room.room;
    card.classList.toggle("closed", room.closed && running);
    card.classList.toggle("shown", shown);
    setText(card.querySelector(".bo-room-name"), `${room.number}. ${room.name}`);
    const badges = [room.closed && running ? B("closed") : null, shown ? B("on_big_screen") : null].filter(Boolean);
    setText(card.querySelector(".bo-badges"), badges.join(" · "));
    const away = room.people - room.present;
    const notes = room.notes ? B("notes", { count: room.notes }) : "";
    const people = room.capacity ? B("people_of", { count: room.people, capacity: room.capacity }) : B("people", { count: room.people });
    setText(card.querySelector(".bo-headcount"), running && !room.closed
      ? (away > 0 ? B("with_away", { people, away }) : people) + (notes ? ` · ${notes}` : "")
      : notes);
    card.querySelector(".bo-headcount").hidden = !card.querySelector(".bo-headcount").textContent;

    // Rapporteur: chosen from the members while the room is open; a name afterwards.
    const live = running && !room.closed;
    const select = card.querySelector(".bo-rapporteur select");
    card.querySelector(".bo-rapporteur").hidden = !live;
    if (live) {
      const current = room.members.find((m) => m.id === room.rapporteur_id);
      setOptions(select, [["", B(room.members.length ? "nobody_yet" : "nobody_empty")],
        ...room.members.map((m) => [m.id, m.present ? m.name : B("name_away", { name: m.name })])]);
      const chosen = current ? current.id : "";
      if (select._shown !== chosen) { select._shown = chosen; select.value = chosen; }
      select.setAttribute("aria-label", B("rapporteur_of", { room: room.name }));
    }
    const rapText = card.querySelector(".bo-rapporteur-text");
    rapText.hidden = live;
    setText(rapText, room.rapporteur ? B("rapporteur_name", { name: room.rapporteur }) : B("no_rapporteur"));

    // The room's own stack.
    const stack = room.stack;
    card.querySelector(".bo-stack").hidden = !live;
    if (live) {
      card._speaker = stack.speaker;
      setText(card.querySelector(".bo-speaker"), stack.speaker ? B("speaking", { name: stack.speaker.name }) : B("nobody_speaking"));
      const more = stack.waiting - stack.next.length;
      const names = stack.next.map((e) => (e.kind === "new" ? e.name : `${e.name} (${kindWords(e)})`)).join(", ");
      setText(card.querySelector(".bo-next"), stack.waiting
        ? (more > 0 ? B("next_more", { names, count: more }) : B("next", { names }))
        : B(stack.open ? "nobody_waiting" : "nobody_waiting_closed"));
      const next = card.querySelector(".bo-next-speaker");
      next.disabled = !stack.speaker && !stack.waiting;
      next.setAttribute("aria-label", B("next_speaker_in", { room: room.name }));
      const end = card.querySelector(".bo-end-turn");
      end.hidden = !stack.speaker;
      end.setAttribute("aria-label", B("end_turn_in", { room: room.name }));
    } else card._speaker = null;

    // The report, live as the rapporteur types it.
    const report = card.querySelector(".bo-report");
    const text = report.querySelector(".bo-report-text");
    setText(report.querySelector(".bo-report-label"), room.report
      ? B("report_characters", { count: room.report.length }) : B(live ? "no_report_yet" : "no_report_written"));
    text.hidden = !room.report;
    text.setAttribute("aria-label", B("report_from", { room: room.name }));
    if (text.textContent !== room.report) {
      const atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 4;
      text.textContent = room.report;
      if (atEnd) text.scrollTop = text.scrollHeight;  // follow the typing
    }

    // Members, each movable.
    const members = card.querySelector(".bo-members");
    members.hidden = !live;
    if (live) {
      setText(members.querySelector("summary"), B("people_in", { room: room.name, count: room.members.length }));
      // Only an open list is kept up to date (a hall in 250 rooms is 5,000 rows).
      if (members.open) keyed(members.querySelector("ul"), room.members, (m) => m.id, personRow, (row, m) => updatePerson(row, m, room.room));
    }

    updateLink(card, room);

    const show = card.querySelector(".bo-show");
    show.hidden = !room.report && !shown;
    setText(show, B(shown ? "hide_from_screen" : "show_report"));
    show.setAttribute("aria-label", `${show.textContent}: ${room.name}`);
    const call = card.querySelector(".bo-call");
    call.hidden = running;
    // A hint (the speaker is known by name only); the server has the last word.
    const speaking = room.rapporteur && plenary?.speaker?.name === room.rapporteur;
    const waiting = room.rapporteur_id && plenary?.entries?.some((e) => e.participant === room.rapporteur_id);
    call.disabled = !room.rapporteur || speaking || waiting;
    setText(call, B(speaking ? "rapporteur_speaking" : waiting ? "rapporteur_waiting" : "add_rapporteur"));
    call.setAttribute("aria-label", room.rapporteur
      ? B("call_label", { action: call.textContent, name: room.rapporteur, room: room.name })
      : B("call_label_none", { action: call.textContent, room: room.name }));
    const close = card.querySelector(".bo-close");
    close.hidden = !live;
    close.setAttribute("aria-label", B("close_room_label", { room: room.name }));
  }

  // --- rendering ---------------------------------------------------------------------------------

  function render(rooms, facilitatorView) {
    view = rooms || null;
    present = facilitatorView.present;
    groups = facilitatorView.stack?.groups || [];
    plenary = facilitatorView.stack || null;
    $("#breakouts").hidden = !view;
    if (!view) return;
    const current = view.current;
    const running = Boolean(current && !current.ended);
    if (startedOnce === null) {
      startedOnce = view.rounds > 0;
      $("#bo-start").open = !startedOnce;  // the first time, the form is the point; later, the report-back is
    }
    $("#bo-start").hidden = running;
    setText($("#bo-start-summary"), B(view.rounds ? "start_another" : "start_rooms"));
    setText($("#bo-state"), running ? B("state_running", { round: current.round }) : current ? B("state_ended", { round: current.round }) : "");
    $("#bo-top").hidden = !running;

    $("#bo-now").hidden = !running;
    $("#bo-after").hidden = !current || running;
    if (current && !running) {
      setText($("#bo-after-note"), B("after_note", { round: current.round }));
    }
    $("#bo-hide-report").hidden = !view.shown;

    if (running) {
      const modeWords = current.mode && B(`mode.${current.mode}`) !== `facilitator.bo.mode.${current.mode}` ? B(`mode.${current.mode}`) : current.mode_words;
      setText($("#bo-round"), B("round_line", { round: current.round, mode: modeWords, count: current.rooms.filter((r) => !r.closed).length }));
      setText($("#bo-question"), current.question || B("no_question"));
      setText($("#bo-broadcast-last"), current.broadcast ? B("last_message", { text: current.broadcast }) : B("no_message"));
      setText($("#bo-unplaced-count"), `(${current.unplaced.length})`);
      $("#bo-unplaced-none").hidden = current.unplaced.length > 0;
      keyed($("#bo-unplaced"), current.unplaced, (p) => p.id, personRow, (row, p) => updatePerson(row, p, ""));
      $("#bo-callback").textContent = B(current.return_at ? "call_back_again" : "call_everyone_back");
    } else {
      $("#bo-unplaced").replaceChildren();
    }
    // Every room of the latest round: live while it runs, the report-back after it.
    keyed($("#bo-rooms"), current ? current.rooms : [], (r) => r.room, roomCard, updateCard);
    // With many rooms, an index first: one line a room, a link to its card.
    const glance = Boolean(current) && current.rooms.length > 4;
    $("#bo-glance-box").hidden = !glance;
    keyed($("#bo-glance"), glance ? current.rooms : [], (r) => r.room, glanceItem, updateGlance);
    $("#bo-rooms").classList.toggle("after", Boolean(current) && !running);

    const signature = current ? `${current.round}:${current.rooms.map((r) => r.room).join(",")}` : "";
    if (signature && signature !== linksFor) requestLinks(signature);
    if (!running && moving) moving = null;
    restoreFocus();
    syncForm();
    tick();
  }

  const left = (current) => {
    const s = secondsLeft(socket, current.ends_at);
    return s > 0 ? B("clock_left", { clock: clock(s) }) : B("over_by_lower", { clock: clock(-s) });
  };

  function tick() {
    const current = view?.current;
    if (!current || current.ended) return;
    const countdown = $("#bo-countdown");
    let text;
    if (current.return_at) {
      const left = secondsLeft(socket, current.return_at);
      setText($("#bo-clock-label"), B("everyone_back"));
      text = left > 0 ? B("back_in", { clock: clock(left) }) : B("back_now");
      countdown.classList.remove("over");
    } else {
      const left = secondsLeft(socket, current.ends_at);
      setText($("#bo-clock-label"), B(left > 0 ? "time_left" : "time_is_up"));
      text = left > 0 ? clock(left) : B("over_by", { clock: clock(-left) });
      countdown.classList.toggle("over", left <= 0);
    }
    setText(countdown, text);
    setText($("#bo-top-link"), B("top_link", { state: current.return_at ? text : left(current) }));
    for (const card of $("#bo-rooms").children) {
      const speaker = card._speaker;
      if (!speaker) continue;
      const left = secondsLeft(socket, speaker.deadline);
      setText(card.querySelector(".bo-speaker"), B("speaking_clock", { name: speaker.name,
        clock: left < 0 ? B("over_by_lower", { clock: clock(-left) }) : B("clock_left", { clock: clock(left) }) }));
    }
  }

  /** A place's kind in the console's language (the room's stack says "(Point of process)"). */
  function kindWords(entry) {
    const key = `facilitator.kind.${entry.kind}`;
    const words = t(key);
    return words === key ? entry.label : words;
  }

  syncForm();
  return { render, tick };
}
