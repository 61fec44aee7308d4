// The facilitator's console: who is here, rename, remove, end the meeting.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, clearSent, values } from "/static/shared/socket.js";
import { breakouts } from "/static/facilitator/breakouts.js";

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "facilitator", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
// The rename form being typed in survives re-renders (people join while you type).
let editing = null; // participant id whose rename form is open
let draft = "";

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "welcome":
      if (message.links) {
        $("#screen-link").href = message.links.screen_url;
        $("#join-link").href = message.links.join_url;
        $("#join-link").textContent = message.links.join_url.replace(/^https?:\/\//, "");
      }
      break;
    case "view":
      if (message.view === "facilitator") render(message.data);
      break;
    case "error":
      if (["bad_key", "unknown_meeting"].includes(message.code)) {
        socket.stop();
        $("#console-error").textContent = `${message.message} Check the facilitator link you were given.`;
      }
      break;
  }
});

async function act(type, fields) {
  try {
    await socket.request(type, fields);
    $("#console-error").textContent = "";
    return true;
  } catch (err) {
    $("#console-error").textContent = err.message;
    return false;
  }
}

function confirmDialog(text, okLabel) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function render(view) {
  $("#title").textContent = view.title;
  document.title = `${view.title} — Plaza console`;
  $("#code").textContent = view.code;
  $("#present").textContent = view.present;
  $("#nobody").hidden = view.participants.length > 0;
  $("#end").disabled = view.ended;
  $("#ended-note").hidden = !view.ended;
  renderStack(view.stack, view.ended);
  latest = view;
  renderAgenda(view.agenda);
  renderVote(view.vote);
  renderDecisions(view.decisions);
  renderProposals(view.proposals);
  renderRoom(view.temperature, view.points, view.point);
  renderGroups(view.stack);
  rooms.render(view.rooms, view);
  $("#minutes-md").href = `/api/meetings/${encodeURIComponent(meetingId)}/minutes.md`;
  $("#minutes-page").href = `/minutes/${encodeURIComponent(meetingId)}`;
  const list = $("#people");
  const active = document.activeElement;
  const focusedRow = active?.closest?.("li")?.dataset.id;
  const focusedClass = active?.className;
  list.replaceChildren(...view.participants.map((p) => personRow(p, view.ended)));
  if (focusedRow) {
    const row = list.querySelector(`li[data-id="${CSS.escape(focusedRow)}"]`);
    const target = editing === focusedRow ? row?.querySelector("input") : row?.querySelector(`button.${focusedClass?.split(" ").pop()}`);
    (target || row?.querySelector("button"))?.focus();
  }
}

let speaker = null;

function renderStack(stack, ended) {
  speaker = stack.speaker;
  $("#speaker").textContent = speaker ? speaker.name : "Nobody";
  $("#speaker-kind").textContent = speaker ? `(${speaker.label})` : "";
  $("#next-speaker").disabled = ended || (!speaker && stack.entries.length === 0);
  $("#end-turn").disabled = $("#extend").disabled = ended || !speaker;
  const list = $("#entries");
  list.replaceChildren(...stack.entries.map((entry, index) => entryRow(entry, index)));
  $("#stack-empty").hidden = stack.entries.length > 0;
  $("#stack-open").checked = stack.open;
  $("#progressive").checked = stack.progressive;
  $("#priority-counts").checked = stack.priority_counts;
  $("#time-limit").value = String(Math.round(stack.time_limit));
  $("#stats").replaceChildren(...stack.statistics.map((row) => {
    const tr = document.createElement("tr");
    for (const text of [row.name, String(row.turns), clock(row.seconds)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  tick();
}

function entryRow(entry, index) {
  const row = $("#entry").content.firstElementChild.cloneNode(true);
  row.querySelector(".name").textContent = entry.name;
  row.querySelector(".kind").textContent = `· ${entry.label}`;
  row.querySelector(".reason").textContent = entry.reason;
  const up = row.querySelector(".up");
  up.setAttribute("aria-label", `Move ${entry.name} up`);
  up.disabled = index === 0;
  up.addEventListener("click", () => act("move_entry", { entry: entry.entry, position: index - 1 }));
  const skip = row.querySelector(".skip");
  skip.setAttribute("aria-label", `Skip ${entry.name}`);
  skip.addEventListener("click", () => act("skip_entry", { entry: entry.entry }));
  const drop = row.querySelector(".drop");
  drop.setAttribute("aria-label", `Take ${entry.name} off the stack`);
  drop.addEventListener("click", () => act("remove_entry", { entry: entry.entry }));
  return row;
}

// --- agenda, votes, proposals, temperature, written points, groups --------------------------

let latest = null;

/** Replace a list's rows, keeping focus on the same button (by its data-key) across re-renders. */
function keepFocus(list, rows) {
  const key = document.activeElement?.dataset?.key;
  list.replaceChildren(...rows);
  if (key) list.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function button(label, key, onclick, cls = "secondary small", aria = null) {
  return el("button", { type: "button", class: cls, "data-key": key, "aria-label": aria, onclick }, label);
}

function renderAgenda(agenda) {
  $("#agenda-state").textContent = agenda.approved ? "(approved)" : "(draft)";
  $("#agenda-vote").hidden = agenda.approved;
  $("#agenda-vote").disabled = !agenda.ready;
  $("#item-now").hidden = !agenda.current;
  if (agenda.current) $("#item-title").textContent = agenda.current.title;
  const items = agenda.items;
  keepFocus($("#agenda-items"), items.map((item, index) => el("li", { class: item.status },
    el("div", { class: "item-row" },
      el("span", { class: "name" }, `${item.title} (${item.minutes} min)`,
        item.proposed_by ? el("span", { class: "muted" }, ` · proposed by ${item.proposed_by}`) : null,
        item.status === "proposed" ? el("span", { class: "muted" }, " · waiting for you") : null),
      el("span", { class: "row-actions" },
        item.status === "proposed" ? button("Accept", `acc-${item.item}`, () => act("accept_item", { item: item.item }), "small", `Accept ${item.title}`) : null,
        item.status === "proposed" ? button("Decline", `dec-${item.item}`, () => act("decline_item", { item: item.item }), "danger small", `Decline ${item.title}`) : null,
        ["accepted", "done"].includes(item.status) && agenda.approved
          ? button("Start", `start-${item.item}`, () => act("start_item", { item: item.item }), "small", `Start ${item.title}`) : null,
        index > 0 ? button("Move up", `up-${item.item}`, () => act("move_item", { item: item.item, position: index - 1 }), "secondary small", `Move ${item.title} up`) : null)))));
}

$("#end-item").addEventListener("click", () => act("end_item", {}));
$("#item-plus5").addEventListener("click", () => {
  const current = latest?.agenda?.current;
  if (current) act("edit_item", { item: current.item, minutes: current.minutes + 5 });
});
$("#agenda-vote").addEventListener("click", () => {
  $("#vote-box").open = true;
  $("#vote-subject").value = "agenda";
  syncVoteForm();
  $("#vote-subject").focus();
});
$("#item-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#item-title-input");
  const title = input.value.trim();
  if (!title) { $("#console-error").textContent = "Give the item a title."; return; }
  const sent = values([input]);
  if (await act("add_item", { title, minutes: Number($("#item-minutes").value) || 10 })) clearSent([input], sent);
});

function renderVote(vote) {
  $("#vote-now").hidden = !vote;
  if (!vote) return;
  $("#vote-question").textContent = vote.question;
  $("#vote-rule").textContent = `${vote.secret ? "Secret" : "Open"} vote. ${vote.rule_words}.`;
  $("#vote-outcome").hidden = !vote.result;
  $("#vote-words").textContent = vote.result ? vote.result.words : "";
  if (vote.result) {
    $("#vote-outcome").textContent = vote.result.label;
    $("#vote-outcome").className = `outcome ${vote.result.outcome}`;
  }
  $("#vote-tally").textContent = (vote.counts
    ? vote.choices.map((c) => `${c.label}: ${vote.counts[c.choice]}`).join(" · ") + " · "
    : "Results hidden until the close · ") + `${vote.turnout} ballots`;
  $("#close-vote").hidden = $("#cancel-vote").hidden = !vote.open;
  $("#dismiss-vote").hidden = vote.open;
}

$("#close-vote").addEventListener("click", () => act("close_vote", { vote: latest.vote.vote }));
$("#cancel-vote").addEventListener("click", async () => {
  if (await confirmDialog("Cancel this vote? Its ballots will not count.", "Cancel vote")) act("cancel_vote", { vote: latest.vote.vote });
});
$("#dismiss-vote").addEventListener("click", () => act("dismiss_vote", { vote: latest.vote.vote }));

function renderDecisions(decisions) {
  $("#no-decisions").hidden = decisions.length > 0;
  keepFocus($("#decisions"), decisions.map((d) => el("li", { class: "person" },
    el("p", { class: "proposal-text" }, el("span", { class: `outcome-inline ${d.result.outcome}` }, `${d.result.label}: `), d.question),
    el("ul", {}, ...d.actions.map((a) => el("li", {}, `${a.what} — ${a.who} `,
      button("Remove", `ra-${a.action}`, () => act("remove_action", { action: a.action }), "danger small", `Remove action ${a.what}`)))),
    el("form", { class: "inline-form", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      const inputs = [...event.target.querySelectorAll("input")];
      const sent = values(inputs);
      if (await act("add_action", { vote: d.vote, what: sent[0], who: sent[1] })) clearSent(inputs, sent);
    } },
    el("label", { for: `what-${d.vote}` }, "Action point", el("span", { class: "visually-hidden" }, ` for: ${d.question.slice(0, 80)}`)),
    el("input", { type: "text", id: `what-${d.vote}`, maxlength: 200 }),
    el("label", { for: `who-${d.vote}` }, "Who", el("span", { class: "visually-hidden" }, ` does it (${d.question.slice(0, 80)})`)),
    el("input", { type: "text", id: `who-${d.vote}`, maxlength: 80 }),
    el("button", { type: "submit", class: "secondary small" }, "Add action point")))));
}

const RULES = {
  yes_no: [["majority", "Simple majority"], ["majority_plus_one", "Majority plus one"], ["fraction", "Supermajority (2/3, 3/4…)"], ["unanimity", "Unanimity"]],
  consensus: [["consensus", "Consensus (any block stops it)"], ["modified_consensus", "Modified consensus (90% overrides blocks)"], ["unanimity", "Unanimity"]],
  choice: [["plurality", "Most chosen option wins"], ["majority", "An option needs over half"]],
};

function syncVoteForm() {
  const ballot = $("#vote-ballot").value;
  const rule = $("#vote-rule-input");
  if (rule.dataset.ballot !== ballot) {
    rule.dataset.ballot = ballot;
    rule.replaceChildren(...RULES[ballot].map(([value, label]) => el("option", { value }, label)));
  }
  $("#question-box").hidden = $("#vote-subject").value !== "question";
  $("#options-box").hidden = ballot !== "choice";
  $("#fraction-box").hidden = rule.value !== "fraction";
  $("#threshold-box").hidden = rule.value !== "modified_consensus";
  $("#quorum-box").hidden = !$("#vote-quorum").value;
}
for (const id of ["#vote-ballot", "#vote-rule-input", "#vote-quorum", "#vote-subject"]) $(id).addEventListener("change", syncVoteForm);

function voteSubjects(view) {
  const subjects = [["question", "A question"]];
  if (view.agenda.ready) subjects.push(["agenda", "Approving the agenda"]);
  for (const p of view.proposals) {
    if (!["open", "failed", "no_quorum"].includes(p.status)) continue;
    subjects.push([`proposal:${p.proposal}`, `Proposal ${p.proposal}: ${p.text.slice(0, 60)}`]);
    for (const a of p.amendments) subjects.push([`amendment:${a.amendment}`, `Amendment ${a.amendment} to proposal ${p.proposal}`]);
  }
  const select = $("#vote-subject");
  const keep = select.value;
  const signature = JSON.stringify(subjects);
  if (select.dataset.subjects !== signature) {
    select.dataset.subjects = signature;
    select.replaceChildren(...subjects.map(([value, label]) => el("option", { value }, label)));
    if (subjects.some(([value]) => value === keep)) select.value = keep;
  }
  syncVoteForm();
}

$("#vote-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const [subject, target] = $("#vote-subject").value.split(":");
  const fields = { subject, ballot: $("#vote-ballot").value, rule: $("#vote-rule-input").value };
  if (target) fields.target = Number(target);
  if (subject === "question") fields.question = $("#vote-question-input").value;
  if (fields.ballot === "choice") {
    fields.options = $("#vote-options").value.split("\n").map((o) => o.trim()).filter(Boolean);
    fields.multi = $("#vote-multi").checked;
  }
  if (fields.rule === "fraction") fields.fraction = $("#vote-fraction").value.trim();
  if (fields.rule === "modified_consensus") fields.threshold = Number($("#vote-threshold").value);
  const quorum = $("#vote-quorum").value;
  if (quorum) fields[quorum === "share" ? "quorum_share" : "quorum_count"] = Number($("#vote-quorum-value").value);
  fields.secret = $("#vote-secret").checked;
  fields.hidden = $("#vote-hidden").checked;
  if (await act("open_vote", fields)) $("#vote-box").open = false;
});

function renderProposals(proposals) {
  voteSubjects(latest);
  keepFocus($("#proposals"), proposals.filter((p) => p.status !== "withdrawn").map((p) => el("li", { class: "person" },
    el("p", { class: "proposal-text" }, p.text),
    el("span", { class: "muted" }, `Proposal ${p.proposal} by ${p.proposer} · ${p.status.replace("_", " ")}`),
    p.status === "open" ? button("Withdraw", `wp-${p.proposal}`, () => act("withdraw_proposal", { proposal: p.proposal }), "danger small", `Withdraw proposal ${p.proposal}`) : null,
    ...p.amendments.map((a) => el("div", { class: "item-row" },
      el("span", { class: "name" }, `Amendment by ${a.by || "the facilitator"}: “${a.text}”`),
      button("Proposer accepts", `aa-${a.amendment}`, () => act("accept_amendment", { amendment: a.amendment }), "secondary small", `Proposer accepts amendment ${a.amendment}`),
      button("Withdraw", `wa-${a.amendment}`, () => act("withdraw_amendment", { amendment: a.amendment }), "danger small", `Withdraw amendment ${a.amendment}`))))));
}

$("#proposal-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const inputs = [$("#proposal-text"), $("#proposal-by")];
  const sent = values(inputs);
  if (await act("add_proposal", { text: sent[0], proposer: sent[1] })) clearSent(inputs, sent);
});

function renderRoom(temperature, points, shown) {
  const live = temperature.live;
  const counts = ["agree", "unsure", "disagree"].map((s) => `${s} ${live[s].reduce((a, b) => a + b, 0)}`);
  const check = temperature.check;
  $("#room-mood").textContent = `Hand signals in the last minute: ${counts.join(", ")}.` +
    (check ? ` Last check “${check.question}”: ${Object.entries(check.counts).map(([k, n]) => `${k} ${n}`).join(", ")}.` : "");
  $("#no-points").hidden = points.length > 0;
  $("#hide-point").hidden = !shown;
  keepFocus($("#points"), points.map((p) => el("li", { class: "person" },
    el("p", { class: "proposal-text" }, p.text),
    el("span", { class: "muted" }, `${p.author}${p.anonymous ? " (anonymous to the room)" : ""} · ${p.upvotes} upvotes`),
    el("span", { class: "row-actions" },
      button("On screen", `sp-${p.point}`, () => act("show_point", { point: p.point }), "secondary small", `Show on screen: ${p.text}`),
      button("Read into stack", `rp-${p.point}`, () => act("read_point", { point: p.point }), "secondary small", `Read into the stack: ${p.text}`),
      button("Dismiss", `dp-${p.point}`, () => act("dismiss_point", { point: p.point }), "danger small", `Dismiss: ${p.text}`)))));
}

$("#hide-point").addEventListener("click", () => act("show_point", {}));
$("#check-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#check-question");
  const sent = values([input]);
  const question = input.value.trim() || "Are we ready to decide?";
  if (await act("start_check", { question, seconds: Number($("#check-seconds").value) || 30 })) clearSent([input], sent);
});

function renderGroups(stack) {
  const input = $("#groups");
  if (document.activeElement !== input) input.value = stack.groups.join(", ");
  $("#shares-table").hidden = !stack.group_shares.length;
  const pct = (v) => (v === null ? "–" : `${v}%`);
  $("#shares").replaceChildren(...stack.group_shares.map((g) =>
    el("tr", {}, el("td", {}, g.group), el("td", {}, pct(g.present_share)), el("td", {}, pct(g.turn_share)), el("td", {}, pct(g.time_share)))));
}
$("#groups-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const groups = $("#groups").value.split(",").map((g) => g.trim()).filter(Boolean);
  act("set_groups", { groups });
});

function tick() {
  rooms.tick();
  const item = latest?.agenda?.current;
  if (item) {
    const left = secondsLeft(socket, item.deadline);
    $("#item-countdown").textContent = left < 0 ? `Over time ${clock(left)}` : `${clock(left)} left`;
    $("#item-countdown").classList.toggle("over", left < 0);
  }
  const countdown = $("#console-countdown");
  if (!speaker) { countdown.textContent = ""; return; }
  const left = secondsLeft(socket, speaker.deadline);
  countdown.textContent = left < 0 ? `Over time ${clock(left)}` : clock(left);
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 250);

const rooms = breakouts({ socket, confirmDialog });

$("#next-speaker").addEventListener("click", () => act("next_speaker", {}));
$("#end-turn").addEventListener("click", () => act("end_turn", {}));
$("#extend").addEventListener("click", () => act("extend_time", { seconds: 60 }));
$("#stack-open").addEventListener("change", (e) => act("set_stack_open", { open: e.target.checked }));
$("#progressive").addEventListener("change", (e) => act("set_stack_settings", { progressive: e.target.checked }));
$("#priority-counts").addEventListener("change", (e) => act("set_stack_settings", { priority_counts: e.target.checked }));
$("#time-limit").addEventListener("change", (e) => act("set_stack_settings", { time_limit: Number(e.target.value) }));

function personRow(person, ended) {
  const row = $("#person").content.firstElementChild.cloneNode(true);
  row.dataset.id = person.id;
  row.classList.toggle("away", !person.present);
  row.querySelector(".name").textContent = person.name;
  row.querySelector(".where").textContent = person.present ? "here" : "away";
  const rename = row.querySelector(".rename");
  const remove = row.querySelector(".remove");
  rename.setAttribute("aria-label", `Rename ${person.name}`);
  remove.setAttribute("aria-label", `Remove ${person.name}`);
  rename.disabled = remove.disabled = ended;
  row.querySelector(".label-text").textContent = `New name for ${person.name}`;
  const form = row.querySelector(".rename-form");
  const input = form.querySelector("input");
  const open = (yes) => {
    editing = yes ? person.id : null;
    draft = person.name;
    form.hidden = !yes;
    if (yes) { input.value = draft; input.focus(); input.select(); }
  };
  if (editing === person.id) { form.hidden = false; input.value = draft; }
  input.addEventListener("input", () => { draft = input.value; });
  rename.addEventListener("click", () => open(true));
  form.querySelector(".cancel").addEventListener("click", () => open(false));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await act("rename_participant", { participant: person.id, name: input.value })) open(false);
  });
  remove.addEventListener("click", async () => {
    if (await confirmDialog(`Remove ${person.name} from the meeting?`, "Remove")) {
      await act("remove_participant", { participant: person.id });
    }
  });
  return row;
}

$("#end").addEventListener("click", async () => {
  if (await confirmDialog("End the meeting for everyone? This can't be undone.", "End meeting")) {
    await act("end_meeting", {});
  }
});

socket.connect();
