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

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

const MARKUP = `
  <h2 id="cafe-heading">World Café <span id="cafe-state" class="count"></span></h2>
  <p class="actions"><button type="button" id="cafe-part" class="secondary">Run the World Café now</button></p>
  <p class="muted hint" id="cafe-part-help">The big screen and the phones show the café while it runs.</p>

  <details id="cafe-setup" class="settings">
    <summary>Set-up: tables of <span id="cafe-setup-size"></span>, <span id="cafe-setup-rounds"></span></summary>
    <form id="cafe-settings" class="cafe-grid" novalidate>
      <div><label for="cafe-size">People per table (3–6)</label>
        <input type="number" id="cafe-size" min="3" max="6" value="4" inputmode="numeric"></div>
      <div><label for="cafe-rounds">Rounds</label>
        <input type="number" id="cafe-rounds" min="1" max="8" value="3" inputmode="numeric"></div>
      <div><label for="cafe-minutes">Round length (minutes)</label>
        <input type="number" id="cafe-minutes" min="1" max="120" value="20" inputmode="numeric"></div>
      <div><label for="cafe-changeover">Pause between rounds (seconds; 0: you start each round)</label>
        <input type="number" id="cafe-changeover" min="0" max="900" value="120" inputmode="numeric"></div>
      <p class="cafe-wide"><button type="submit" class="secondary small">Save the set-up</button></p>
    </form>
    <h3 id="cafe-questions-heading">A question that matters, per round</h3>
    <p class="muted">The same question for every round, or one that evolves: fill in each round's.</p>
    <ol id="cafe-questions" class="cafe-questions" aria-labelledby="cafe-questions-heading"></ol>
  </details>

  <h3 id="cafe-tables-heading">Tables <span id="cafe-tables-count" class="count"></span></h3>
  <form id="cafe-add" class="cafe-grid" novalidate>
    <div><label for="cafe-add-count">How many tables to add</label>
      <input type="number" id="cafe-add-count" min="1" max="600" value="3" inputmode="numeric"></div>
    <div class="cafe-wide"><label for="cafe-add-names">Their names, one per line (optional)</label>
      <textarea id="cafe-add-names" rows="3"></textarea></div>
    <p class="cafe-wide"><button type="submit" class="secondary small">Add tables</button></p>
  </form>
  <p class="actions">
    <button type="button" id="cafe-links" class="secondary small">Show the tables' device links</button>
    <a id="cafe-cards" class="button secondary small" target="_blank" rel="noopener">Print the table cards (opens in a new tab)</a>
  </p>
  <ul id="cafe-link-list" class="plain cafe-links" hidden aria-label="Table device links"></ul>
  <ul id="cafe-tables" class="plain cafe-tables" aria-labelledby="cafe-tables-heading"></ul>

  <h3 id="cafe-hosts-heading">Hosts</h3>
  <p class="muted" id="cafe-volunteers-none">Nobody has offered to host yet ("I'll host a table" on the phones).</p>
  <ul id="cafe-volunteers" class="plain cafe-volunteers" aria-label="Volunteers to host"></ul>
  <p class="actions"><button type="button" id="cafe-pick" class="secondary small">Pick hosts among the volunteers</button></p>

  <h3 id="cafe-seating-heading">Seating</h3>
  <p class="actions"><button type="button" id="cafe-seat">Seat everyone</button></p>
  <div id="cafe-figures" class="cafe-figures" hidden aria-live="polite">
    <p class="cafe-figure"><strong id="cafe-repeats"></strong> <span id="cafe-repeats-words"></span></p>
    <p class="cafe-figure-line" id="cafe-random"></p>
    <p class="cafe-figure-line" id="cafe-bound"></p>
    <p class="cafe-figure-line muted" id="cafe-now"></p>
  </div>
  <div id="cafe-unseated-box" hidden>
    <h4 id="cafe-unseated-heading">Here without a seat this round</h4>
    <ul id="cafe-unseated" class="plain" aria-labelledby="cafe-unseated-heading"></ul>
  </div>

  <h3 id="cafe-rounds-heading">Rounds</h3>
  <p id="cafe-round-line" class="cafe-round-line" aria-live="polite"></p>
  <p id="cafe-countdown" class="console-countdown" role="timer" aria-live="off"></p>
  <p class="actions">
    <button type="button" id="cafe-start">Start round 1</button>
    <button type="button" id="cafe-plus" class="secondary small">+1 minute</button>
    <button type="button" id="cafe-minus" class="secondary small">−1 minute</button>
    <button type="button" id="cafe-end" class="danger small">End the round now</button>
    <button type="button" id="cafe-pause" class="secondary small">Pause between rounds</button>
  </p>

  <h3 id="cafe-harvest-heading">Harvest</h3>
  <p class="actions">
    <button type="button" id="cafe-open-harvest" class="secondary">Open the harvest</button>
    <button type="button" id="cafe-hide" class="secondary small">Hide the table on the big screen</button>
    <button type="button" id="cafe-close-harvest" class="secondary small">Close the harvest</button>
  </p>
  <p class="muted" id="cafe-harvest-help">Show each table's ideas on the big screen in turn ("Show on the big screen" on its row); everyone stars ideas on their phone.</p>
  <ol id="cafe-ranking" class="cafe-ranking" aria-label="Ideas by stars"></ol>
  <p><a id="cafe-harvest-md">The harvest as Markdown</a> · <a id="cafe-harvest-json">as JSON</a></p>

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
      $("#cafe-error").textContent = err.message;
      setText($("#cafe-status"), "");
      $("#cafe-toast").hidden = false;
      return false;
    }
  }
  const num = (id) => Number($(id).value);

  // --- wiring -----------------------------------------------------------------------------------
  $("#cafe-part").addEventListener("click", () => {
    const on = cafe && cafe.part === "cafe";
    act("set_part", { part: on ? "assembly" : "cafe" }, on ? "The general assembly is running again." : "The World Café is running: the big screen shows it.");
  });
  $("#cafe-settings").addEventListener("submit", (event) => {
    event.preventDefault();
    act("cafe_setup", { table_size: num("#cafe-size"), rounds: num("#cafe-rounds"), minutes: num("#cafe-minutes"), changeover: num("#cafe-changeover") }, "Set-up saved.");
  });
  $("#cafe-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    const names = $("#cafe-add-names").value.split("\n").map((s) => s.trim()).filter(Boolean);
    const count = Math.max(num("#cafe-add-count"), names.length);
    const fields = names.length ? { count, names } : { count };
    if (await act("add_tables", fields, `${plural(count, "table")} added.`)) $("#cafe-add-names").value = "";
  });
  $("#cafe-links").addEventListener("click", async () => {
    const reply = await act("table_links");
    if (!reply || !reply.links) return;
    const labels = Object.fromEntries((cafe ? cafe.tables : []).map((t) => [t.table, t.label]));
    const list = $("#cafe-link-list");
    list.hidden = false;
    list.replaceChildren(...Object.entries(reply.links).map(([table, url]) => el("li", {},
      el("a", { href: url, target: "_blank", rel: "noopener" }, `Device link: ${cap(labels[table] || table)} (view only, opens in a new tab)`))));
  });
  $("#cafe-pick").addEventListener("click", () => act("pick_hosts", {}, "Plaza picked hosts among the volunteers."));
  $("#cafe-seat").addEventListener("click", () => act("seat_cafe", {}, "Everyone is seated for every round."));
  $("#cafe-start").addEventListener("click", () => act("start_round", {}, "The round has started."));
  $("#cafe-plus").addEventListener("click", () => act("extend_round", { seconds: 60 }, "One more minute."));
  $("#cafe-minus").addEventListener("click", () => act("extend_round", { seconds: -60 }, "One minute less."));
  $("#cafe-end").addEventListener("click", () => act("end_round", {}, "The round has ended: phones say where to go next."));
  $("#cafe-pause").addEventListener("click", () => act("pause_cafe", { paused: !(cafe && cafe.paused) }, cafe && cafe.paused ? "The café goes on." : "Paused: no round starts by itself."));
  $("#cafe-open-harvest").addEventListener("click", () => act("open_harvest", {}, "The harvest is open: phones can star ideas."));
  $("#cafe-hide").addEventListener("click", () => act("show_table", { table: "" }, "The big screen shows the most starred ideas."));
  $("#cafe-close-harvest").addEventListener("click", () => act("close_harvest", {}, "The harvest is closed."));

  // --- rendering --------------------------------------------------------------------------------
  function render(view, meeting) {
    cafe = view;
    people = (meeting.participants || []).filter((p) => !p.removed);
    const on = cafe.part === "cafe";
    setText($("#cafe-part"), on ? "Back to the general assembly" : "Run the World Café now");
    setText($("#cafe-state"), on ? `(running: ${cafe.phase})` : "");
    const s = cafe.settings;
    setText($("#cafe-setup-size"), String(s.table_size));
    setText($("#cafe-setup-rounds"), plural(s.rounds, "round") + ` of ${s.minutes} min`);
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
          el("label", { for: `cafe-q-${r.round}` }, `Round ${r.round}`), input,
          el("button", { type: "submit", class: "secondary small" }, `Save round ${r.round}'s question`));
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          act("cafe_question", { round: r.round, question: input.value.trim() }, `Round ${r.round}'s question saved.`);
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
    setText($("#cafe-tables-count"), `(${cafe.tables.length}${seated ? `, ${plural(seated, "person", "people")} seated this round` : ""})`);
    keyed($("#cafe-tables"), cafe.tables, (t) => t.table, (t) => {
      const id = t.table;
      const name = el("input", { type: "text", id: `cafe-name-${id}`, maxlength: 40, autocomplete: "off" });
      const nameForm = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-name-${id}` }, "Name"), name, el("button", { type: "submit", class: "secondary small" }, "Rename"));
      nameForm.addEventListener("submit", (event) => {
        event.preventDefault();
        act("name_table", { table: id, name: name.value.trim() }, "Table renamed.");
      });
      const host = el("select", { id: `cafe-host-${id}` });
      const hostForm = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-host-${id}` }, "Host"), host, el("button", { type: "submit", class: "secondary small" }, "Appoint"));
      hostForm.addEventListener("submit", (event) => {
        event.preventDefault();
        act("appoint_host", { participant: host.value, table: id }, host.value ? "Host appointed." : "The table has no host now.");
      });
      const show = el("button", { type: "button", class: "secondary small cafe-show" });
      show.addEventListener("click", () => act("show_table", { table: id }, "On the big screen."));
      const remove = el("button", { type: "button", class: "danger small cafe-remove" }, "Remove");
      remove.addEventListener("click", () => act("remove_table", { table: id }, "Table removed."));
      return el("li", { class: "cafe-table-row" },
        el("h4", { class: "cafe-table-title" }), el("p", { class: "cafe-table-meta muted" }),
        el("ul", { class: "cafe-seated" }), nameForm, hostForm, el("p", { class: "actions" }, show, remove));
    }, (li, t) => {
      setText(li.querySelector(".cafe-table-title"), cap(t.label));
      const meta = [t.host ? `host ${t.host.name}` : "no host", plural(t.people.length, "person", "people"),
        plural(t.notes, "idea"), t.strong ? `${t.strong} strongest` : ""].filter(Boolean);
      setText(li.querySelector(".cafe-table-meta"), meta.join(" · "));
      keyed(li.querySelector(".cafe-seated"), t.people, (p) => p.id, () => el("li", {}), (pli, p) => {
        const tags = [t.host && t.host.id === p.id ? "host" : "", p.new ? "new" : "", p.present ? "" : "away"].filter(Boolean);
        setText(pli, p.name + (tags.length ? ` (${tags.join(", ")})` : ""));
        pli.classList.toggle("away", !p.present);
      });
      li.querySelector(".cafe-seated").setAttribute("aria-label", `Seated at ${t.label}`);
      syncValue(li.querySelector("input"), t.name);
      const select = li.querySelector("select");
      personOptions(select, t.host ? t.host.id : "", "— no host —");
      if (select.dataset.host !== (t.host ? t.host.id : "")) {
        select.dataset.host = t.host ? t.host.id : "";
        select.value = select.dataset.host;
      }
      const show = li.querySelector(".cafe-show");
      show.hidden = !(cafe.harvest && cafe.harvest.open);
      const shown = cafe.harvest && cafe.harvest.shown === t.table;
      setText(show, shown ? "On the big screen now" : "Show on the big screen");
      show.setAttribute("aria-pressed", String(Boolean(shown)));
      show.setAttribute("aria-label", `${shown ? "On the big screen now" : "Show on the big screen"}: ${t.label}`);
      li.querySelector(".cafe-remove").setAttribute("aria-label", `Remove ${t.label}`);
      li.querySelector(".cafe-remove").hidden = t.people.length > 0 || cafe.phase !== "setup";
    });
  }

  function renderVolunteers() {
    $("#cafe-volunteers-none").hidden = cafe.volunteers.length > 0;
    keyed($("#cafe-volunteers"), cafe.volunteers, (v) => v.id, () => el("li", {}), (li, v) => {
      const label = v.hosts ? (cafe.tables.find((t) => t.table === v.hosts) || {}).label : "";
      setText(li, `${v.name}${v.present ? "" : " (away)"}${label ? ` — hosts ${label}` : ""}`);
    });
    $("#cafe-pick").disabled = cafe.held.length > 0;
  }

  function renderSeating() {
    const f = cafe.seating;
    $("#cafe-figures").hidden = !f;
    $("#cafe-seat").disabled = cafe.held.length > 0;
    setText($("#cafe-seat"), f ? "Seat everyone again" : "Seat everyone");
    if (f) {
      setText($("#cafe-repeats"), plural(f.repeats, "repeated pair"));
      setText($("#cafe-repeats-words"), f.from_round > 1 ? `in the plan (re-planned from round ${f.from_round})` : "in the plan, over every round");
      setText($("#cafe-random"), `A random shuffle: ${f.random_mean} on average (over ${f.shuffles} shuffles): this plan saves ${f.saved}.`);
      setText($("#cafe-bound"), `No plan can have fewer than ${f.lower_bound}.`);
      setText($("#cafe-now"), cafe.repeats_now !== null && cafe.repeats_now !== f.repeats
        ? `Now, with late arrivals, moves and leavers: ${plural(cafe.repeats_now, "repeated pair")}.` : "");
    }
    $("#cafe-unseated-box").hidden = !cafe.unseated.length;
    keyed($("#cafe-unseated"), cafe.unseated, (p) => p.id, (p) => {
      const select = el("select", { id: `cafe-move-${p.id}` });
      const form = el("form", { class: "cafe-inline", novalidate: true },
        el("label", { for: `cafe-move-${p.id}` }), select, el("button", { type: "submit", class: "secondary small" }, "Seat"));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (select.value) act("move_to_table", { participant: p.id, table: select.value }, "Seated.");
      });
      return el("li", {}, form);
    }, (li, p) => {
      setText(li.querySelector("label"), `Seat ${p.name} at`);
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
    const line = running ? `Round ${cafe.round} of ${rounds} is running: “${cafe.question || "no question"}”`
      : cafe.phase === "between" ? `Round ${cafe.round - 1} of ${rounds} is over; people change tables.`
        : cafe.phase === "seated" ? "Everyone is seated: start round 1 when the room is ready."
          : cafe.phase === "done" ? "Every round is over: open the harvest."
            : cafe.phase === "harvest" ? "The harvest is open." : cafe.phase === "closed" ? "The harvest is closed." : "Not seated yet.";
    setText($("#cafe-round-line"), line + (cafe.paused ? " Paused." : ""));
    const next = running ? cafe.round + 1 : (cafe.round || 1);
    setText($("#cafe-start"), `Start round ${Math.min(next, rounds)}`);
    $("#cafe-start").disabled = running || held >= rounds || Boolean(cafe.harvest);
    $("#cafe-plus").disabled = $("#cafe-minus").disabled = $("#cafe-end").disabled = !running;
    setText($("#cafe-pause"), cafe.paused ? "Go on (next round starts by itself)" : "Pause between rounds");
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
      setText(li, `${n.text} — ${n.label}, ${plural(n.stars, "star")}${n.strong ? ", strongest" : ""}`);
    });
  }

  function tick() {
    if (!cafe) return;
    let text = "";
    if (cafe.phase === "round" && cafe.ends_at) {
      const left = secondsLeft(socket, cafe.ends_at);
      text = left > 0 ? `${clock(left)} left` : "Time's up";
    } else if (cafe.next_at && !cafe.paused) {
      text = `Round ${cafe.round} starts in ${clock(Math.max(0, secondsLeft(socket, cafe.next_at)))}`;
    }
    setText($("#cafe-countdown"), text);
  }
  setInterval(tick, 500);

  return { render };
}
