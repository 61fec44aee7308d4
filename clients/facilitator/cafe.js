// The console's World Café: switching the meeting to it, the set-up (table size, rounds, a round's
// length, the changeover, a question per round), the tables (added, named, removed), hosts (appointed,
// volunteers, Plaza picks), "Seat everyone" with the plan's repeated pairs beside a random shuffle's
// mean and the lower bound, the rounds (start, extend, end early, pause), who sits where (moves by
// hand, people with no seat), the tables' device links and printable cards, and the harvest (open it,
// each table's ideas on the big screen in turn, close it; the ranking).
//
// As in breakouts.js and openspace.js: rows are kept by key (``keyed()``), a field the server owns is
// written only when the server's value changed (``syncValue()``), whatever is typed or focused stays,
// and every refusal shows the server's words.  Names, questions and ideas are text, never HTML.
import { secondsLeft, clock, el, $, keyed, setText, syncValue } from "/static/shared/socket.js";
import { t as tr, translatePage, errorText } from "/static/shared/i18n.js";

const C = (key, params) => tr(`cafe-console.${key}`, params);
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

const MARKUP = `
  <h2 id="cafe-heading"><span data-i18n="cafe-console.world_cafe">World Café</span> <span id="cafe-state" class="count"></span></h2>
  <p class="actions"><button type="button" id="cafe-part" class="secondary" data-i18n="cafe-console.run_the_world_caf_now">Run the World Café now</button></p>
  <p class="muted hint" id="cafe-part-help" data-i18n="cafe-console.the_big_screen_and_the">The big screen and the phones show the café while it runs.</p>

  <details id="cafe-setup" class="settings">
    <summary><span data-i18n="cafe-console.setup_tables_of">Set-up: tables of</span> <span id="cafe-setup-size"></span>, <span id="cafe-setup-rounds"></span></summary>
    <form id="cafe-settings" class="cafe-grid" novalidate>
      <div><label for="cafe-size" data-i18n="cafe-console.people_per_table_3_6">People per table (3–6)</label>
        <input type="number" id="cafe-size" min="3" max="6" value="4" inputmode="numeric"></div>
      <div><label for="cafe-rounds" data-i18n="cafe-console.rounds">Rounds</label>
        <input type="number" id="cafe-rounds" min="1" max="8" value="3" inputmode="numeric"></div>
      <div><label for="cafe-minutes" data-i18n="cafe-console.round_length_minutes">Round length (minutes)</label>
        <input type="number" id="cafe-minutes" min="1" max="120" value="20" inputmode="numeric"></div>
      <div><label for="cafe-changeover" data-i18n="cafe-console.pause_between_rounds_seconds_0">Pause between rounds (seconds; 0: you start each round)</label>
        <input type="number" id="cafe-changeover" min="0" max="900" value="120" inputmode="numeric"></div>
      <p class="cafe-wide"><button type="submit" class="secondary small" data-i18n="cafe-console.save_the_set_up">Save the set-up</button></p>
    </form>
    <h3 id="cafe-questions-heading" data-i18n="cafe-console.a_question_that_matters_per">A question that matters, per round</h3>
    <p class="muted" data-i18n="cafe-console.the_same_question_for_every">The same question for every round, or one that evolves: fill in each round's.</p>
    <ol id="cafe-questions" class="cafe-questions" aria-labelledby="cafe-questions-heading"></ol>
  </details>

  <h3 id="cafe-tables-heading"><span data-i18n="cafe-console.tables">Tables</span> <span id="cafe-tables-count" class="count"></span></h3>
  <form id="cafe-add" class="cafe-grid" novalidate>
    <div><label for="cafe-add-count" data-i18n="cafe-console.how_many_tables_to_add">How many tables to add</label>
      <input type="number" id="cafe-add-count" min="1" max="600" value="3" inputmode="numeric"></div>
    <div class="cafe-wide"><label for="cafe-add-names" data-i18n="cafe-console.their_names_one_per_line">Their names, one per line (optional)</label>
      <textarea id="cafe-add-names" rows="3"></textarea></div>
    <p class="cafe-wide"><button type="submit" class="secondary small" data-i18n="cafe-console.add_tables">Add tables</button></p>
  </form>
  <p class="actions">
    <button type="button" id="cafe-links" class="secondary small" data-i18n="cafe-console.show_the_tables_device_links">Show the tables' device links</button>
    <a id="cafe-cards" class="button secondary small" target="_blank" rel="noopener" data-i18n="cafe-console.print_the_table_cards_opens">Print the table cards (opens in a new tab)</a>
  </p>
  <ul id="cafe-link-list" class="plain cafe-links" hidden aria-label="Table device links" data-i18n-attr="aria-label:cafe-console.table_device_links"></ul>
  <ul id="cafe-tables" class="plain cafe-tables" aria-labelledby="cafe-tables-heading"></ul>

  <h3 id="cafe-hosts-heading" data-i18n="cafe-console.hosts">Hosts</h3>
  <p class="muted" id="cafe-volunteers-none" data-i18n="cafe-console.nobody_has_offered_to_host">Nobody has offered to host yet ("I'll host a table" on the phones).</p>
  <ul id="cafe-volunteers" class="plain cafe-volunteers" aria-label="Volunteers to host" data-i18n-attr="aria-label:cafe-console.volunteers_to_host"></ul>
  <p class="actions"><button type="button" id="cafe-pick" class="secondary small" data-i18n="cafe-console.pick_hosts_among_the_volunteers">Pick hosts among the volunteers</button></p>

  <h3 id="cafe-seating-heading" data-i18n="cafe-console.seating">Seating</h3>
  <p class="actions"><button type="button" id="cafe-seat" data-i18n="cafe-console.seat_everyone">Seat everyone</button></p>
  <div id="cafe-figures" class="cafe-figures" hidden aria-live="polite">
    <p class="cafe-figure"><strong id="cafe-repeats"></strong> <span id="cafe-repeats-words"></span></p>
    <p class="cafe-figure-line" id="cafe-random"></p>
    <p class="cafe-figure-line" id="cafe-bound"></p>
    <p class="cafe-figure-line muted" id="cafe-now"></p>
  </div>
  <div id="cafe-unseated-box" hidden>
    <h4 id="cafe-unseated-heading" data-i18n="cafe-console.here_without_a_seat_this">Here without a seat this round</h4>
    <ul id="cafe-unseated" class="plain" aria-labelledby="cafe-unseated-heading"></ul>
  </div>

  <h3 id="cafe-rounds-heading" data-i18n="cafe-console.rounds">Rounds</h3>
  <p id="cafe-round-line" class="cafe-round-line" aria-live="polite"></p>
  <p id="cafe-countdown" class="console-countdown" role="timer" aria-live="off"></p>
  <p class="actions">
    <button type="button" id="cafe-start" data-i18n="cafe-console.start_round_1">Start round 1</button>
    <button type="button" id="cafe-plus" class="secondary small" data-i18n="cafe-console.1_minute">+1 minute</button>
    <button type="button" id="cafe-minus" class="secondary small" data-i18n="cafe-console.1_minute_2">−1 minute</button>
    <button type="button" id="cafe-end" class="danger small" data-i18n="cafe-console.end_the_round_now">End the round now</button>
    <button type="button" id="cafe-pause" class="secondary small" data-i18n="cafe-console.pause_between_rounds">Pause between rounds</button>
  </p>

  <h3 id="cafe-harvest-heading" data-i18n="cafe-console.harvest">Harvest</h3>
  <p class="actions">
    <button type="button" id="cafe-open-harvest" class="secondary" data-i18n="cafe-console.open_the_harvest">Open the harvest</button>
    <button type="button" id="cafe-hide" class="secondary small" data-i18n="cafe-console.hide_the_table_on_the">Hide the table on the big screen</button>
    <button type="button" id="cafe-close-harvest" class="secondary small" data-i18n="cafe-console.close_the_harvest">Close the harvest</button>
  </p>
  <p class="muted" id="cafe-harvest-help" data-i18n="cafe-console.show_each_table_s_ideas">Show each table's ideas on the big screen in turn ("Show on the big screen" on its row); everyone stars ideas on their phone.</p>
  <ol id="cafe-ranking" class="cafe-ranking" aria-label="Ideas by stars" data-i18n-attr="aria-label:cafe-console.ideas_by_stars"></ol>
  <p><a id="cafe-harvest-md" data-i18n="cafe-console.the_harvest_as_markdown">The harvest as Markdown</a> · <a id="cafe-harvest-json" data-i18n="cafe-console.as_json">as JSON</a></p>

  <div id="cafe-toast" class="cafe-toast" hidden>
    <p class="error-text" id="cafe-error" role="alert"></p>
    <p class="cafe-status" id="cafe-status" role="status"></p>
  </div>`;

export function cafeConsole({ socket, meetingId, key }) {
  let cafe = null;
  let people = [];
  const section = el("section", { class: "card cafe", id: "cafe", "aria-labelledby": "cafe-heading", tabindex: "-1" });
  section.innerHTML = MARKUP;  // fixed markup: names and texts are set with textContent
  const anchor = document.querySelector("#openspace") || document.querySelector(".col-plan > section");
  anchor.after(section);
  translatePage(section);
  $("#cafe-cards").href = `/cafe-cards/${encodeURIComponent(meetingId)}#key=${encodeURIComponent(key)}`;
  $("#cafe-harvest-md").href = `/api/meetings/${encodeURIComponent(meetingId)}/harvest.md`;
  $("#cafe-harvest-json").href = `/api/meetings/${encodeURIComponent(meetingId)}/harvest.json`;

  async function act(type, fields = {}, done = "") {
    $("#cafe-error").textContent = "";
    try {
      const reply = await socket.request(type, fields);
      setText($("#cafe-status"), done);
      $("#cafe-toast").hidden = !done;
      return reply || true;
    } catch (err) {
      $("#cafe-error").textContent = errorText(err);
      setText($("#cafe-status"), "");
      $("#cafe-toast").hidden = false;
      return false;
    }
  }
  const num = (id) => Number($(id).value);

  // --- wiring -----------------------------------------------------------------------------------
  $("#cafe-part").addEventListener("click", () => {
    const on = cafe && cafe.part === "cafe";
    act("set_part", { part: on ? "assembly" : "cafe" }, C(on ? "said_assembly" : "said_cafe"));
  });
  $("#cafe-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    act("cafe_setup", { table_size: num("#cafe-size"), rounds: num("#cafe-rounds"), minutes: num("#cafe-minutes"), changeover: num("#cafe-changeover") }, C("said_setup"));
  });
  $("#cafe-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    const names = $("#cafe-add-names").value.split("\n").map((s) => s.trim()).filter(Boolean);
    const count = Math.max(num("#cafe-add-count"), names.length);
    const fields = names.length ? { count, names } : { count };
    if (await act("add_tables", fields, C("said_tables", { count }))) $("#cafe-add-names").value = "";
  });
  $("#cafe-links").addEventListener("click", async () => {
    const reply = await act("table_links");
    if (!reply || !reply.links) return;
    const labels = Object.fromEntries((cafe ? cafe.tables : []).map((t) => [t.table, t.label]));
    const list = $("#cafe-link-list");
    list.hidden = false;
    list.replaceChildren(...Object.entries(reply.links).map(([table, url]) => el("li", {},
      el("a", { href: url, target: "_blank", rel: "noopener" }, C("device_link", { table: cap(labels[table] || table) })))));
  });
  $("#cafe-pick").addEventListener("click", () => act("pick_hosts", {}, C("said_picked")));
  $("#cafe-seat").addEventListener("click", () => act("seat_cafe", {}, C("said_seated")));
  $("#cafe-start").addEventListener("click", () => act("start_round", {}, C("said_started")));
  $("#cafe-plus").addEventListener("click", () => act("extend_round", { seconds: 60 }, C("said_plus")));
  $("#cafe-minus").addEventListener("click", () => act("extend_round", { seconds: -60 }, C("said_minus")));
  $("#cafe-end").addEventListener("click", () => act("end_round", {}, C("said_ended")));
  $("#cafe-pause").addEventListener("click", () => act("pause_cafe", { paused: !(cafe && cafe.paused) }, C(cafe && cafe.paused ? "said_goes_on" : "said_paused")));
  $("#cafe-open-harvest").addEventListener("click", () => act("open_harvest", {}, C("said_harvest_open")));
  $("#cafe-hide").addEventListener("click", () => act("show_table", { table: "" }, C("said_top")));
  $("#cafe-close-harvest").addEventListener("click", () => act("close_harvest", {}, C("said_harvest_closed")));

  // --- rendering --------------------------------------------------------------------------------
  function render(view, meeting) {
    cafe = view;
    people = (meeting.participants || []).filter((p) => !p.removed);
    const on = cafe.part === "cafe";
    setText($("#cafe-part"), C(on ? "back_to_assembly" : "run_the_world_caf_now"));
    setText($("#cafe-state"), on ? C("state_running", { phase: C(`phase.${cafe.phase}`) }) : "");
    const s = cafe.settings;
    setText($("#cafe-setup-size"), String(s.table_size));
    setText($("#cafe-setup-rounds"), C("setup_rounds", { count: s.rounds, minutes: s.minutes }));
    syncValue($("#cafe-size"), s.table_size);
    syncValue($("#cafe-rounds"), s.rounds);
    syncValue($("#cafe-minutes"), s.minutes);
    syncValue($("#cafe-changeover"), s.changeover);
    renderQuestions();
    renderTables();
    renderVolunteers();
    renderSeating();
    renderRounds();
    renderHarvest();
  }

  function renderQuestions() {
    const started = cafe.held.length;
    const rounds = Array.from({ length: cafe.settings.rounds }, (_, i) => ({ round: i + 1, question: cafe.settings.questions[i] || "" }));
    keyed($("#cafe-questions"), rounds, (r) => r.round,
      (r) => {
        const input = el("input", { type: "text", id: `cafe-q-${r.round}`, maxlength: 280, autocomplete: "off" });
        const form = el("form", { class: "cafe-question-form", novalidate: true },
          el("label", { for: `cafe-q-${r.round}` }, C("round_n", { round: r.round })), input,
          el("button", { type: "submit", class: "secondary small" }, C("save_question", { round: r.round })));
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          act("cafe_question", { round: r.round, question: input.value.trim() }, C("said_question", { round: r.round }));
        });
        return el("li", {}, form);
      },
      (li, r) => {
        const input = li.querySelector("input");
        syncValue(input, r.question);
        const locked = r.round <= started;
        input.disabled = locked;
        li.querySelector("button").disabled = locked;
      });
  }

  function personOptions(select, keep, none) {
    const options = [["", none], ...people.map((p) => [p.id, p.name])];
    const wanted = JSON.stringify(options);
    if (select.dataset.options !== wanted) {
      select.dataset.options = wanted;
      const value = select.value;
      select.replaceChildren(...options.map(([id, name]) => el("option", { value: id }, name)));
      select.value = options.some(([id]) => id === value) ? value : keep;
    }
  }

  function renderTables() {
    const seated = cafe.tables.reduce((n, t) => n + t.people.length, 0);
    setText($("#cafe-tables-count"), seated ? C("tables_count_seated", { count: cafe.tables.length, seated: C("people_seated", { count: seated }) })
      : `(${cafe.tables.length})`);
    keyed($("#cafe-tables"), cafe.tables, (t) => t.table, (t) => {
      const id = t.table;
      const name = el("input", { type: "text", id: `cafe-name-${id}`, maxlength: 40, autocomplete: "off" });
      const nameForm = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-name-${id}`, "data-i18n": "cafe-console.name" }, C("name")), name,
        el("button", { type: "submit", class: "secondary small", "data-i18n": "cafe-console.rename" }, C("rename")));
      nameForm.addEventListener("submit", (event) => {
        event.preventDefault();
        act("name_table", { table: id, name: name.value.trim() }, C("said_renamed"));
      });
      const host = el("select", { id: `cafe-host-${id}` });
      const hostForm = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-host-${id}`, "data-i18n": "cafe-console.host_label" }, C("host_label")), host,
        el("button", { type: "submit", class: "secondary small", "data-i18n": "cafe-console.appoint" }, C("appoint")));
      hostForm.addEventListener("submit", (event) => {
        event.preventDefault();
        act("appoint_host", { participant: host.value, table: id }, C(host.value ? "said_appointed" : "said_no_host"));
      });
      const show = el("button", { type: "button", class: "secondary small cafe-show" });
      show.addEventListener("click", () => act("show_table", { table: id }, C("said_shown")));
      const remove = el("button", { type: "button", class: "danger small cafe-remove", "data-i18n": "cafe-console.remove" }, C("remove"));
      remove.addEventListener("click", () => act("remove_table", { table: id }, C("said_removed")));
      return el("li", { class: "cafe-table-row" },
        el("h4", { class: "cafe-table-title" }), el("p", { class: "cafe-table-meta muted" }),
        el("ul", { class: "cafe-seated" }), nameForm, hostForm, el("p", { class: "actions" }, show, remove));
    }, (li, t) => {
      setText(li.querySelector(".cafe-table-title"), cap(t.label));
      const meta = [t.host ? C("host", { name: t.host.name }) : C("no_host"), C("people", { count: t.people.length }),
        C("ideas", { count: t.notes }), t.strong ? C("strongest_count", { count: t.strong }) : ""].filter(Boolean);
      setText(li.querySelector(".cafe-table-meta"), meta.join(" · "));
      keyed(li.querySelector(".cafe-seated"), t.people, (p) => p.id, () => el("li", {}), (pli, p) => {
        const tags = [t.host && t.host.id === p.id ? C("tag_host") : "", p.new ? C("tag_new") : "", p.present ? "" : C("tag_away")].filter(Boolean);
        setText(pli, p.name + (tags.length ? ` (${tags.join(", ")})` : ""));
        pli.classList.toggle("away", !p.present);
      });
      li.querySelector(".cafe-seated").setAttribute("aria-label", C("seated_at", { table: t.label }));
      syncValue(li.querySelector("input"), t.name);
      const select = li.querySelector("select");
      personOptions(select, t.host ? t.host.id : "", C("no_host_option"));
      if (select.dataset.host !== (t.host ? t.host.id : "")) {
        select.dataset.host = t.host ? t.host.id : "";
        select.value = select.dataset.host;
      }
      const show = li.querySelector(".cafe-show");
      show.hidden = !(cafe.harvest && cafe.harvest.open);
      const shown = cafe.harvest && cafe.harvest.shown === t.table;
      setText(show, C(shown ? "on_big_screen_now" : "show_on_big_screen"));
      show.setAttribute("aria-pressed", String(Boolean(shown)));
      show.setAttribute("aria-label", `${show.textContent}: ${t.label}`);
      li.querySelector(".cafe-remove").setAttribute("aria-label", C("remove_table", { table: t.label }));
      li.querySelector(".cafe-remove").hidden = t.people.length > 0 || cafe.phase !== "setup";
    });
  }

  function renderVolunteers() {
    $("#cafe-volunteers-none").hidden = cafe.volunteers.length > 0;
    keyed($("#cafe-volunteers"), cafe.volunteers, (v) => v.id, () => el("li", {}), (li, v) => {
      const label = v.hosts ? (cafe.tables.find((t) => t.table === v.hosts) || {}).label : "";
      const name = v.present ? v.name : C("name_away", { name: v.name });
      setText(li, label ? C("hosts_table", { name, table: label }) : name);
    });
    $("#cafe-pick").disabled = cafe.held.length > 0;
  }

  function renderSeating() {
    const f = cafe.seating;
    $("#cafe-figures").hidden = !f;
    $("#cafe-seat").disabled = cafe.held.length > 0;
    setText($("#cafe-seat"), C(f ? "seat_again" : "seat_everyone"));
    if (f) {
      setText($("#cafe-repeats"), C("repeated_pairs", { count: f.repeats }));
      setText($("#cafe-repeats-words"), f.from_round > 1 ? C("in_plan_from", { round: f.from_round }) : C("in_plan"));
      setText($("#cafe-random"), C("random_shuffle", { mean: f.random_mean, count: f.shuffles, saved: f.saved }));
      setText($("#cafe-bound"), C("lower_bound", { bound: f.lower_bound }));
      setText($("#cafe-now"), cafe.repeats_now !== null && cafe.repeats_now !== f.repeats
        ? C("repeats_now", { pairs: C("repeated_pairs", { count: cafe.repeats_now }) }) : "");
    }
    $("#cafe-unseated-box").hidden = !cafe.unseated.length;
    keyed($("#cafe-unseated"), cafe.unseated, (p) => p.id, (p) => {
      const select = el("select", { id: `cafe-move-${p.id}` });
      const form = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-move-${p.id}` }), select, el("button", { type: "submit", class: "secondary small", "data-i18n": "cafe-console.seat" }, C("seat")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (select.value) act("move_to_table", { participant: p.id, table: select.value }, C("said_seat"));
      });
      return el("li", {}, form);
    }, (li, p) => {
      setText(li.querySelector("label"), C("seat_name_at", { name: p.name }));
      const select = li.querySelector("select");
      const options = cafe.tables.map((t) => [t.table, `${cap(t.label)} (${t.people.length}/${cafe.capacity})`]);
      const wanted = JSON.stringify(options);
      if (select.dataset.options !== wanted) {
        const value = select.value;
        select.dataset.options = wanted;
        select.replaceChildren(...options.map(([id, text]) => el("option", { value: id }, text)));
        if (value) select.value = value;
      }
    });
  }

  function renderRounds() {
    const held = cafe.held.length;
    const rounds = cafe.rounds;
    const running = cafe.phase === "round";
    const line = running ? C("line_running", { round: cafe.round, rounds, question: cafe.question || C("no_question") })
      : cafe.phase === "between" ? C("line_between", { round: cafe.round - 1, rounds })
        : cafe.phase === "seated" ? C("line_seated")
          : cafe.phase === "done" ? C("line_done")
            : cafe.phase === "harvest" ? C("line_harvest") : cafe.phase === "closed" ? C("line_closed") : C("line_not_seated");
    setText($("#cafe-round-line"), line + (cafe.paused ? ` ${C("paused")}` : ""));
    const next = running ? cafe.round + 1 : (cafe.round || 1);
    setText($("#cafe-start"), C("start_round", { round: Math.min(next, rounds) }));
    $("#cafe-start").disabled = running || held >= rounds || Boolean(cafe.harvest);
    $("#cafe-plus").disabled = $("#cafe-minus").disabled = $("#cafe-end").disabled = !running;
    setText($("#cafe-pause"), C(cafe.paused ? "go_on" : "pause_between_rounds"));
    $("#cafe-pause").disabled = !cafe.seating || Boolean(cafe.harvest) || cafe.phase === "done";
    tick();
  }

  function renderHarvest() {
    const h = cafe.harvest;
    $("#cafe-open-harvest").disabled = Boolean(h) || !cafe.held.length || cafe.phase === "round";
    $("#cafe-hide").disabled = !(h && h.open && h.shown);
    $("#cafe-close-harvest").disabled = !(h && h.open);
    const ranking = h ? h.ranking : [];
    keyed($("#cafe-ranking"), ranking, (n) => n.note, () => el("li", {}), (li, n) => {
      setText(li, C(n.strong ? "ranked_strongest" : "ranked", { text: n.text, table: n.label, stars: C("stars", { count: n.stars }) }));
    });
  }

  function tick() {
    if (!cafe) return;
    let text = "";
    if (cafe.phase === "round" && cafe.ends_at) {
      const left = secondsLeft(socket, cafe.ends_at);
      text = left > 0 ? C("clock_left", { clock: clock(left) }) : C("times_up");
    } else if (cafe.next_at && !cafe.paused) {
      text = C("starts_in", { round: cafe.round, clock: clock(Math.max(0, secondsLeft(socket, cafe.next_at))) });
    }
    setText($("#cafe-countdown"), text);
  }
  setInterval(tick, 500);

  return { render };
}
