// The console's breakout rooms: start a round, run it (time, broadcast, call-back, moving people,
// each room's stack, rapporteur, report and device link), and the report-back after it.
//
// Views arrive many times a second while people join and type, so nothing here is rebuilt from
// scratch: room cards and people rows are kept by key (``keyed()``) and updated in place, selects
// keep their choice, and the start form and message box are never touched by a view.
import { secondsLeft, clock, el, $, keyed } from "/static/shared/socket.js";

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
      $("#bo-error").textContent = err.message;
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
    $("#bo-count-label").textContent = perRoom ? "People per room" : "How many rooms";
    $("#bo-count").min = perRoom ? "2" : "1";
    const count = Number($("#bo-count").value);
    let hint = "";
    if (count > 0 && present > 0) {
      hint = perRoom
        ? `About ${Math.max(1, Math.ceil(present / count))} rooms for the ${present} people here.`
        : `About ${Math.floor(present / count)}–${Math.ceil(present / count)} people per room, with ${present} here.`;
    }
    $("#bo-count-hint").textContent = hint;
    const n = names().length;
    $("#bo-names-hint").textContent = !n ? "Rooms without a name are called Room 1, Room 2…"
      : perRoom ? `${n} name${n === 1 ? "" : "s"}; any further rooms are called Room ${n + 1}…`
        : n > count ? `${n} names for ${count} rooms: add rooms or remove names.`
          : n === count ? "One name for each room." : `${n} name${n === 1 ? "" : "s"}; the other rooms are called Room ${n + 1}…`;
    $("#bo-mix-box").hidden = $("#bo-mix-hint").hidden = mode() !== "random";
    $("#bo-mix-hint").textContent = groups.length
      ? `Groups offered: ${groups.join(", ")}.`
      : "No self-declared groups are offered yet (see Who spoke, in the speaking stack).";
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
      ? [split(), split() === "per_room" ? "A room needs at least 2 people." : "There must be at least one room."]
      : split() === "rooms" && view && count > view.rooms_max ? ["rooms", `At most ${view.rooms_max} rooms at once.`]
        : split() === "rooms" && list.length > count ? ["names", `${list.length} names for ${count} rooms: add rooms or remove names.`]
          : !Number.isInteger(fields.minutes) || fields.minutes < 1 || fields.minutes > 240 ? ["minutes", "A round lasts 1 to 240 minutes."]
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
      $("#bo-error").textContent = "The return countdown lasts 0 to 600 seconds.";
      $("#bo-return").focus();
      return;
    }
    act("call_back", { seconds });
  });
  $("#bo-end").addEventListener("click", async () => {
    if (await confirmDialog("Bring everyone back to the plenary now? Every room closes at once.", "Everyone back now")) {
      act("end_breakouts", {});
    }
  });
  $("#bo-broadcast-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("#bo-broadcast");
    const sent = box.value;
    if (!sent.trim()) { $("#bo-error").textContent = "Write the message first."; box.focus(); return; }
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
      el("button", { type: "button", class: "secondary small bo-move", onclick: () => openPicker(row) }, "Move…"),
      el("span", { class: "bo-picker", hidden: true },
        el("label", { class: "visually-hidden", for: `bo-move-${person.id}` }),
        el("select", { id: `bo-move-${person.id}` }),
        el("button", { type: "button", class: "small bo-go", onclick: () => move(row) }, "Move"),
        el("button", { type: "button", class: "secondary small", onclick: () => closePicker(row, true) }, "Cancel")));
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
    setText(row.querySelector(".bo-person-name"), person.present === false ? `${person.name} (away)` : person.name);
    row.querySelector(".bo-move").setAttribute("aria-label", `Move ${person.name} to another room`);
    row.querySelector("label").textContent = `Move ${person.name} to`;
    row.querySelector(".bo-go").setAttribute("aria-label", `Move ${person.name}`);
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
        return [r.room, `${r.name} (${r.people}${r.capacity ? `/${r.capacity}` : ""})${full ? " — full" : ""}`, full];
      }),
      ...(here ? [[MOVE_PLENARY, "Plenary (no room)"]] : []),
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
      const where = target === MOVE_PLENARY ? "the plenary" : (view.current.rooms.find((r) => r.room === target)?.name || "the room");
      $("#bo-status").textContent = `${person.name} moved to ${where}.`;
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
    const bits = running && !room.closed ? [`${room.people} ${room.people === 1 ? "person" : "people"}`] : [];
    if (running && room.closed) bits.push("closed");
    bits.push(room.rapporteur ? `✎ ${room.rapporteur}` : "no rapporteur");
    if (room.has_report) bits.push("report");
    if (running && room.stack?.speaker) bits.push(`speaking: ${room.stack.speaker.name}`);
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
        el("label", { for: `bo-rap-${id}` }, "Rapporteur"),
        el("select", { id: `bo-rap-${id}`, onchange: async (event) => {
          const select = event.target;
          if (!await act("set_rapporteur", { room: id, participant: select.value })) select.value = select._shown ?? "";
        } })),
      el("p", { class: "bo-rapporteur-text" }),
      el("div", { class: "bo-stack" },
        el("p", { class: "bo-speaker" }),
        el("p", { class: "bo-next muted" }),
        el("p", { class: "actions" },
          el("button", { type: "button", class: "small bo-next-speaker", onclick: () => act("next_speaker", { room: id }) }, "Next speaker"),
          el("button", { type: "button", class: "secondary small bo-end-turn", onclick: () => act("end_turn", { room: id }) }, "End turn"))),
      el("div", { class: "bo-report" },
        el("p", { class: "bo-report-label muted" }),
        el("div", { class: "bo-report-text", tabindex: "0", role: "region" })),
      el("details", { class: "bo-members" },
        el("summary", {}),
        el("ul", { class: "bo-people" })),
      el("p", { class: "bo-link" },
        el("a", { target: "_blank", rel: "noopener" }, "Room device link"),
        el("button", { type: "button", class: "secondary small bo-copy", onclick: () => copyLink(card) }, "Copy"),
        el("span", { class: "bo-copied muted", role: "status" }),
        el("input", { type: "text", readonly: true, class: "bo-link-text", hidden: true, "aria-label": "Room device link" })),
      el("p", { class: "actions bo-room-actions" },
        el("button", { type: "button", class: "secondary small bo-show", onclick: () => toggleReport(card) }),
        el("button", { type: "button", class: "secondary small bo-call", onclick: () => callRapporteur(card) }),
        el("button", { type: "button", class: "danger small bo-close", onclick: () => closeRoom(card) }, "Close room")));
    card.querySelector(".bo-members").addEventListener("toggle", () => { if (view?.current) updateCard(card, card._room); });
    return card;
  }

  async function closeRoom(card) {
    const room = card._room;
    if (await confirmDialog(`Close ${room.name}? Its ${room.people} ${room.people === 1 ? "person goes" : "people go"} back to the plenary.`, "Close room")) {
      act("close_room", { room: room.room });
    }
  }

  async function callRapporteur(card) {
    const room = card._room;
    if (await act("call_rapporteur", { room: room.room })) {
      $("#bo-status").textContent = `${room.rapporteur}, rapporteur of ${room.name}, is on the plenary stack.`;
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
    status.textContent = done ? "Copied." : "Select the link and copy it.";
    setTimeout(() => { if (status.isConnected) status.textContent = ""; }, 4000);
  }

  function updateLink(card, room) {
    const url = links[room.room];
    const box = card.querySelector(".bo-link");
    box.hidden = !url || room.closed;
    if (!url) return;
    const a = box.querySelector("a");
    if (a.getAttribute("href") !== url) a.href = url;
    a.setAttribute("aria-label", `Room device link: ${room.name} (view only, opens in a new tab)`);
    box.querySelector(".bo-copy").setAttribute("aria-label", `Copy ${room.name}'s device link`);
  }

  function updateCard(card, room) {
    card._room = room;
    const running = !view.current.ended;
    const shown = view.shown === room.room;
    card.classList.toggle("closed", room.closed && running);
    card.classList.toggle("shown", shown);
    setText(card.querySelector(".bo-room-name"), `${room.number}. ${room.name}`);
    const badges = [room.closed && running ? "closed" : null, shown ? "on the big screen" : null].filter(Boolean);
    setText(card.querySelector(".bo-badges"), badges.join(" · "));
    const away = room.people - room.present;
    setText(card.querySelector(".bo-headcount"), running && !room.closed
      ? `${room.people}${room.capacity ? ` of ${room.capacity}` : ""} ${room.people === 1 ? "person" : "people"}${away > 0 ? ` (${away} away)` : ""}` +
        (room.notes ? ` · ${room.notes} note${room.notes === 1 ? "" : "s"}` : "")
      : room.notes ? `${room.notes} note${room.notes === 1 ? "" : "s"}` : "");
    card.querySelector(".bo-headcount").hidden = !card.querySelector(".bo-headcount").textContent;

    // Rapporteur: chosen from the members while the room is open; a name afterwards.
    const live = running && !room.closed;
    const select = card.querySelector(".bo-rapporteur select");
    card.querySelector(".bo-rapporteur").hidden = !live;
    if (live) {
      const current = room.members.find((m) => m.id === room.rapporteur_id);
      setOptions(select, [["", room.members.length ? "Nobody yet" : "Nobody (the room is empty)"],
        ...room.members.map((m) => [m.id, m.present ? m.name : `${m.name} (away)`])]);
      const chosen = current ? current.id : "";
      if (select._shown !== chosen) { select._shown = chosen; select.value = chosen; }
      select.setAttribute("aria-label", `Rapporteur of ${room.name}`);
    }
    const rapText = card.querySelector(".bo-rapporteur-text");
    rapText.hidden = live;
    setText(rapText, room.rapporteur ? `Rapporteur: ${room.rapporteur}` : "No rapporteur");

    // The room's own stack.
    const stack = room.stack;
    card.querySelector(".bo-stack").hidden = !live;
    if (live) {
      card._speaker = stack.speaker;
      setText(card.querySelector(".bo-speaker"), stack.speaker ? `Speaking: ${stack.speaker.name}` : "Nobody is speaking.");
      const more = stack.waiting - stack.next.length;
      setText(card.querySelector(".bo-next"), stack.waiting
        ? `Next: ${stack.next.map((e) => e.kind === "new" ? e.name : `${e.name} (${e.label})`).join(", ")}${more > 0 ? ` and ${more} more` : ""}`
        : stack.open ? "Nobody waiting to speak." : "Nobody waiting; the room's stack is closed.");
      const next = card.querySelector(".bo-next-speaker");
      next.disabled = !stack.speaker && !stack.waiting;
      next.setAttribute("aria-label", `Next speaker in ${room.name}`);
      const end = card.querySelector(".bo-end-turn");
      end.hidden = !stack.speaker;
      end.setAttribute("aria-label", `End turn in ${room.name}`);
    } else card._speaker = null;

    // The report, live as the rapporteur types it.
    const report = card.querySelector(".bo-report");
    const text = report.querySelector(".bo-report-text");
    setText(report.querySelector(".bo-report-label"), room.report
      ? `Report (${room.report.length} characters)` : live ? "No report yet." : "No report was written.");
    text.hidden = !room.report;
    text.setAttribute("aria-label", `Report from ${room.name}`);
    if (text.textContent !== room.report) {
      const atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 4;
      text.textContent = room.report;
      if (atEnd) text.scrollTop = text.scrollHeight;  // follow the typing
    }

    // Members, each movable.
    const members = card.querySelector(".bo-members");
    members.hidden = !live;
    if (live) {
      setText(members.querySelector("summary"), `People in ${room.name} (${room.members.length})`);
      // Only an open list is kept up to date (a hall in 250 rooms is 5,000 rows).
      if (members.open) keyed(members.querySelector("ul"), room.members, (m) => m.id, personRow, (row, m) => updatePerson(row, m, room.room));
    }

    updateLink(card, room);

    const show = card.querySelector(".bo-show");
    show.hidden = !room.report && !shown;
    setText(show, shown ? "Hide from screen" : "Show report on screen");
    show.setAttribute("aria-label", `${show.textContent}: ${room.name}`);
    const call = card.querySelector(".bo-call");
    call.hidden = running;
    // A hint (the speaker is known by name only); the server has the last word.
    const speaking = room.rapporteur && plenary?.speaker?.name === room.rapporteur;
    const waiting = room.rapporteur_id && plenary?.entries?.some((e) => e.participant === room.rapporteur_id);
    call.disabled = !room.rapporteur || speaking || waiting;
    setText(call, speaking ? "Rapporteur is speaking" : waiting ? "Rapporteur is on the stack" : "Add rapporteur to stack");
    call.setAttribute("aria-label", room.rapporteur
      ? `${call.textContent}: ${room.rapporteur}, rapporteur of ${room.name}` : `${call.textContent}: ${room.name} has no rapporteur`);
    const close = card.querySelector(".bo-close");
    close.hidden = !live;
    close.setAttribute("aria-label", `Close room: ${room.name}`);
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
    setText($("#bo-start-summary"), view.rounds ? "Start another round" : "Start breakout rooms");
    setText($("#bo-state"), running ? `(round ${current.round}, running)` : current ? `(round ${current.round} ended)` : "");
    $("#bo-top").hidden = !running;

    $("#bo-now").hidden = !running;
    $("#bo-after").hidden = !current || running;
    if (current && !running) {
      setText($("#bo-after-note"), `Round ${current.round} has ended: everyone is back in the plenary. ` +
        "Report-back: show a room's report on the big screen and put its rapporteur on the plenary stack.");
    }
    $("#bo-hide-report").hidden = !view.shown;

    if (running) {
      setText($("#bo-round"), `Round ${current.round} · ${current.mode_words} · ${current.rooms.filter((r) => !r.closed).length} rooms open`);
      setText($("#bo-question"), current.question || "No question given");
      setText($("#bo-broadcast-last"), current.broadcast ? `Last message to the rooms: “${current.broadcast}”` : "No message sent yet.");
      setText($("#bo-unplaced-count"), `(${current.unplaced.length})`);
      $("#bo-unplaced-none").hidden = current.unplaced.length > 0;
      keyed($("#bo-unplaced"), current.unplaced, (p) => p.id, personRow, (row, p) => updatePerson(row, p, ""));
      $("#bo-callback").textContent = current.return_at ? "Call back again" : "Call everyone back";
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
    return s > 0 ? `${clock(s)} left` : `over by ${clock(-s)}`;
  };

  function tick() {
    const current = view?.current;
    if (!current || current.ended) return;
    const countdown = $("#bo-countdown");
    let text;
    if (current.return_at) {
      const left = secondsLeft(socket, current.return_at);
      setText($("#bo-clock-label"), "Everyone back to the plenary");
      text = left > 0 ? `Back in ${clock(left)}` : "Back now";
      countdown.classList.remove("over");
    } else {
      const left = secondsLeft(socket, current.ends_at);
      setText($("#bo-clock-label"), left > 0 ? "Time left" : "Time is up");
      text = left > 0 ? clock(left) : `Over by ${clock(-left)}`;
      countdown.classList.toggle("over", left <= 0);
    }
    setText(countdown, text);
    setText($("#bo-top-link"), `Breakout rooms: ${current.return_at ? text : left(current)}`);
    for (const card of $("#bo-rooms").children) {
      const speaker = card._speaker;
      if (!speaker) continue;
      const left = secondsLeft(socket, speaker.deadline);
      setText(card.querySelector(".bo-speaker"), `Speaking: ${speaker.name} · ${left < 0 ? `over by ${clock(-left)}` : `${clock(left)} left`}`);
    }
  }

  syncForm();
  return { render, tick };
}
