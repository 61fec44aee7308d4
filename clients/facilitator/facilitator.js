// The facilitator's console: the live controls (who speaks, the stack, the vote under way), the
// agenda, votes and proposals, the room's temperature and written points, breakout rooms
// (breakouts.js), Open Space (openspace.js), the people here (rename, remove), and ending the meeting.
//
// Views arrive many times a second while people raise hands and vote, so lists are rendered with
// ``keyed()``: each row is kept by its id and updated in place, and whatever is typed or focused
// in it stays.  Nothing is saved and restored around a render.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, clearSent, values, keyed } from "/static/shared/socket.js";
import { breakouts } from "/static/facilitator/breakouts.js";
import { openSpaceConsole } from "/static/facilitator/openspace.js";
import { cafeConsole } from "/static/facilitator/cafe.js";
import { interpretation } from "/static/facilitator/audio.js";
import { translators } from "/static/facilitator/translations.js";
import { t, tnodes, loadCatalogues, translatePage, languagePicker, onLanguageChange, errorText, serverText, has, LANGUAGES } from "/static/shared/i18n.js";

// The console's words: its own language (the picker in the header, remembered on this device),
// whatever language the big screen shows (set below, in "Meeting").
await loadCatalogues(["common", "server", "facilitator", "openspace-console", "cafe-console", "translators-console", "audio"]);
translatePage(document);
$(".top").append(languagePicker({ id: "console-language" }));

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "facilitator", meeting: meetingId, key }));
showStatus(socket, $("#connection"));

let latest = null;   // the latest facilitator view
let speaker = null;  // who has the floor (for the countdown)

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
        $("#console-error").textContent = t("facilitator.bad_link", { message: errorText(message) });
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
    $("#console-error").textContent = errorText(err);
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

/** Set an element's text only when it changed (a screen reader hears no churn). */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** A button whose label is a catalogue key (re-worded by translatePage when the language changes). */
function button(key, cls, onclick) {
  return el("button", { type: "button", class: cls, onclick, "data-i18n": key }, t(key));
}

/** Fixed words in a node made here, re-worded by translatePage when the language changes. */
const words = (key, tag = "span") => el(tag, { "data-i18n": key }, t(key));

function render(view) {
  latest = view;
  setText($("#title"), view.title);
  document.title = t("facilitator.doc_title", { title: view.title });
  setText($("#code"), view.code);
  // The count keeps its own element (#present), as the screen's does: tests and people read it there.
  const here = tnodes("facilitator.here_count", { count: view.present });
  const number = here.querySelector("bdi");
  if (number) number.id = "present";
  $("#present-count").replaceChildren(here);
  $("#nobody").hidden = view.participants.length > 0;
  $("#end").disabled = view.ended;
  $("#ended-note").hidden = !view.ended;
  renderStack(view.stack, view.ended);
  renderAgenda(view.agenda);
  renderVote(view.vote);
  renderDecisions(view.decisions);
  renderProposals(view.proposals);
  renderRoom(view.temperature, view.points, view.point);
  renderGroups(view.stack);
  rooms.render(view.rooms, view);
  if (view.openspace) openSpace.render(view.openspace, view);
  if (view.cafe) cafe.render(view.cafe, view);
  interpreting.render(view.audio, view);
  translating.render(view.translations);
  renderScreenLanguages(view);
  $("#minutes-md").href = `/api/meetings/${encodeURIComponent(meetingId)}/minutes.md`;
  $("#minutes-page").href = `/minutes/${encodeURIComponent(meetingId)}`;
  keyed($("#people"), view.participants, (p) => p.id, personRow, (row, p) => updatePerson(row, p, view.ended));
  restoreKeyboard();
}

// A row the keyboard was in can leave its list (taken off the stack, removed from the meeting):
// the focus then goes to the same button on the row that took its place, not to <body>.
let refocus = null;

function keepKeyboard(row, cls) {
  if (!row.contains(document.activeElement) && document.activeElement !== document.body) return;
  const list = row.parentElement;
  refocus = { list, key: row.dataset.key, index: [...list.children].indexOf(row), cls };
}

function restoreKeyboard() {
  if (!refocus) return;
  const { list, key, index, cls } = refocus;
  if ([...list.children].some((node) => node.dataset.key === key)) return;  // not gone yet
  refocus = null;
  if (document.activeElement && document.activeElement !== document.body) return;
  const rows = [...list.children];
  const next = rows[Math.min(index, rows.length - 1)]?.querySelector(`.${cls}:not(:disabled)`);
  if (next) { next.focus(); return; }
  const heading = list.closest("section")?.querySelector("h2");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}

// --- the live panel and the speaking stack ------------------------------------------------------

const QUEUE_SHOWN = 4;  // names in the live panel's short queue; the rest are "+N more"

function renderStack(stack, ended) {
  speaker = stack.speaker;
  setText($("#speaker"), speaker ? speaker.name : t("facilitator.nobody"));
  setText($("#speaker-kind"), speaker ? t("facilitator.kind_in_brackets", { kind: kindLabel(speaker) }) : "");
  $("#next-speaker").disabled = ended || (!speaker && stack.entries.length === 0);
  $("#end-turn").disabled = $("#extend").disabled = ended || !speaker;
  const entries = stack.entries.map((entry, index) => ({ ...entry, index }));
  keyed($("#entries"), entries, (e) => e.entry, entryRow, updateEntry);
  $("#stack-empty").hidden = entries.length > 0;
  // The live panel's short queue: the first few names in order, then how many more.
  const more = entries.length - QUEUE_SHOWN;
  const queue = entries.slice(0, QUEUE_SHOWN).map((e) => ({ key: e.entry, name: e.name, pos: e.index + 1, kind: kindLabel(e) }));
  if (more > 0) queue.push({ key: "more", more });
  setText($("#live-queue-label"), entries.length ? t("facilitator.waiting_count", { count: entries.length }) : t("facilitator.nobody_waiting"));
  keyed($("#live-queue"), queue, (q) => q.key,
    (q) => (q.more ? el("li", { class: "more" }) : el("li", {}, el("span", { class: "pos" }), " ", el("span", { class: "who" }))),
    (li, q) => {
      if (q.more) { setText(li, t("facilitator.more", { count: q.more })); return; }
      setText(li.querySelector(".pos"), `${q.pos}.`);
      setText(li.querySelector(".who"), q.name);
      li.title = q.kind;
    });
  $("#stack-open").checked = stack.open;
  $("#progressive").checked = stack.progressive;
  $("#priority-counts").checked = stack.priority_counts;
  $("#time-limit").value = String(Math.round(stack.time_limit));
  keyed($("#stats"), stack.statistics, (row) => row.participant,
    () => el("tr", {}, el("td"), el("td"), el("td")),
    (tr, row) => [row.name, String(row.turns), clock(row.seconds)].forEach((text, i) => setText(tr.children[i], text)));
  tick();
}

function entryRow() {
  const row = el("li", { class: "entry" },
    el("span", { class: "entry-who" }, el("span", { class: "name" }), " ", el("span", { class: "kind" })),
    el("span", { class: "reason muted" }),
    el("span", { class: "row-actions" },
      button("facilitator.move_up", "secondary small up", () => act("move_entry", { entry: row._entry.entry, position: row._entry.index - 1 })),
      button("facilitator.skip", "secondary small skip", () => { keepKeyboard(row, "skip"); act("skip_entry", { entry: row._entry.entry }); }),
      button("facilitator.take_off_stack", "danger small drop", () => { keepKeyboard(row, "drop"); act("remove_entry", { entry: row._entry.entry }); })));
  return row;
}

function updateEntry(row, entry) {
  row._entry = entry;
  setText(row.querySelector(".name"), entry.name);
  setText(row.querySelector(".kind"), `· ${kindLabel(entry)}`);
  setText(row.querySelector(".reason"), serverText(entry.reason_key, entry.reason_params, entry.reason));
  // Each name starts with the button's visible text (what a voice-control user says).
  const up = row.querySelector(".up");
  up.setAttribute("aria-label", t("facilitator.move_up_name", { name: entry.name }));
  up.disabled = entry.index === 0;
  row.querySelector(".skip").setAttribute("aria-label", t("facilitator.skip_name", { name: entry.name }));
  row.querySelector(".drop").setAttribute("aria-label", t("facilitator.take_off_stack_name", { name: entry.name }));
}

/** A place's kind (new point, point of process…) in the console's language. */
function kindLabel(entry) {
  if (entry.label_key && has(entry.label_key)) return t(entry.label_key, entry.label_params || {});
  return has(`facilitator.kind.${entry.kind}`) ? t(`facilitator.kind.${entry.kind}`) : entry.label;
}

$("#next-speaker").addEventListener("click", () => act("next_speaker", {}));
$("#end-turn").addEventListener("click", () => act("end_turn", {}));
$("#extend").addEventListener("click", () => act("extend_time", { seconds: 60 }));
$("#stack-open").addEventListener("change", (e) => act("set_stack_open", { open: e.target.checked }));
$("#progressive").addEventListener("change", (e) => act("set_stack_settings", { progressive: e.target.checked }));
$("#priority-counts").addEventListener("change", (e) => act("set_stack_settings", { priority_counts: e.target.checked }));
$("#time-limit").addEventListener("change", (e) => act("set_stack_settings", { time_limit: Number(e.target.value) }));

// The live panel sticks to the top on a phone: scrolling to a field or a link keeps it clear of it.
new ResizeObserver(() => {
  document.documentElement.style.setProperty("--live-height", `${$("#live").offsetHeight + 8}px`);
}).observe($("#live"));

// --- the agenda ------------------------------------------------------------------------------------

function renderAgenda(agenda) {
  setText($("#agenda-state"), t(agenda.approved ? "facilitator.agenda_approved" : "facilitator.agenda_draft"));
  $("#agenda-vote").hidden = agenda.approved;
  $("#agenda-vote").disabled = !agenda.ready;
  $("#item-now").hidden = !agenda.current;
  if (agenda.current) setText($("#item-title"), agenda.current.title);
  const items = agenda.items.map((item, index) => ({ ...item, index, approved: agenda.approved }));
  keyed($("#agenda-items"), items, (item) => item.item, agendaRow, updateAgendaRow);
}

function agendaRow() {
  const li = el("li", {},
    el("div", { class: "item-row" },
      el("span", { class: "name" }, el("span", { class: "item-name" }), el("span", { class: "muted by" }), el("span", { class: "muted waiting" }, " · ", words("facilitator.waiting_for_you"))),
      el("span", { class: "row-actions" },
        button("facilitator.accept", "small accept", () => act("accept_item", { item: li._item.item })),
        button("facilitator.decline", "danger small decline", () => act("decline_item", { item: li._item.item })),
        button("facilitator.start", "small start", () => act("start_item", { item: li._item.item })),
        button("facilitator.move_up", "secondary small up", () => act("move_item", { item: li._item.item, position: li._item.index - 1 })))));
  return li;
}

function updateAgendaRow(li, item) {
  li._item = item;
  li.className = item.status;
  li.querySelector(".name").dataset.now = t("facilitator.agenda_now");
  setText(li.querySelector(".item-name"), t("facilitator.item_minutes", { title: item.title, count: item.minutes }));
  setText(li.querySelector(".by"), item.proposed_by ? ` · ${t("facilitator.proposed_by_name", { name: item.proposed_by })}` : "");
  li.querySelector(".waiting").hidden = item.status !== "proposed";
  const show = { accept: item.status === "proposed", decline: item.status === "proposed",
    start: ["accepted", "done"].includes(item.status) && item.approved, up: item.index > 0 };
  for (const [cls, visible] of Object.entries(show)) {
    const b = li.querySelector(`.${cls}`);
    b.hidden = !visible;
    b.setAttribute("aria-label", t(`facilitator.item_${cls}_label`, { title: item.title }));
  }
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
  if (!title) { $("#console-error").textContent = t("facilitator.item_needs_title"); return; }
  const sent = values([input]);
  if (await act("add_item", { title, minutes: Number($("#item-minutes").value) || 10 })) clearSent([input], sent);
});

// --- the vote under way (in the live panel) -------------------------------------------------------

const CHOICES = new Set(["yes", "no", "abstain", "agree", "stand_aside", "block"]);
/** A ballot's fixed choices in the console's language; a choice ballot's options are as written. */
const choiceLabel = (c) => (CHOICES.has(c.choice) ? t(`facilitator.choice.${c.choice}`) : c.label);
/** An outcome's banner word (Passed, Blocked…) in the console's language. */
const outcomeLabel = (result) => (has(`facilitator.outcome.${result.outcome}`) ? t(`facilitator.outcome.${result.outcome}`) : result.label);
/** An outcome in words ("Passed — 3 yes of 4 yes and no; 2/3 needed"): the server's key, else its English. */
const outcomeWords = (result) => serverText(result.words_key, result.words_params, result.words);

function renderVote(vote) {
  $("#vote-now").hidden = !vote;
  if (!vote) return;
  setText($("#vote-state"), t(vote.open ? "facilitator.vote_open" : "facilitator.vote_closed"));
  setText($("#vote-question"), vote.question);
  setText($("#vote-rule"), t(vote.secret ? "facilitator.secret_vote_rule" : "facilitator.open_vote_rule",
    { rule: serverText(vote.rule_key, vote.rule_params, vote.rule_words) }));
  $("#vote-outcome").hidden = !vote.result;
  setText($("#vote-words"), vote.result ? outcomeWords(vote.result) : "");
  if (vote.result) {
    setText($("#vote-outcome"), outcomeLabel(vote.result));
    $("#vote-outcome").className = `outcome ${vote.result.outcome}`;
  }
  const turnout = t("facilitator.ballots", { count: vote.turnout ?? 0 });
  // ``counts`` is null while the results are hidden, and while a secret vote is open (turnout only).
  let tally;
  if (vote.counts) tally = `${vote.choices.map((c) => `${choiceLabel(c)}: ${vote.counts[c.choice] ?? 0}`).join(" · ")} · ${turnout}`;
  else if (vote.open && vote.hidden) tally = t("facilitator.results_hidden", { turnout });
  else if (vote.secret) tally = t(vote.open ? "facilitator.secret_turnout_open" : "facilitator.secret_turnout", { turnout });
  else tally = turnout;
  setText($("#vote-tally"), tally);
  $("#close-vote").hidden = $("#cancel-vote").hidden = !vote.open;
  $("#dismiss-vote").hidden = vote.open;
}

$("#close-vote").addEventListener("click", () => act("close_vote", { vote: latest.vote.vote }));
$("#cancel-vote").addEventListener("click", async () => {
  if (await confirmDialog(t("facilitator.cancel_vote_confirm"), t("facilitator.cancel_vote"))) act("cancel_vote", { vote: latest.vote.vote });
});
$("#dismiss-vote").addEventListener("click", () => act("dismiss_vote", { vote: latest.vote.vote }));

// --- decisions and their action points ------------------------------------------------------------

function renderDecisions(decisions) {
  $("#no-decisions").hidden = decisions.length > 0;
  keyed($("#decisions"), decisions, (d) => d.vote, decisionRow, updateDecision);
}

function decisionRow(d) {
  const what = el("input", { type: "text", id: `what-${d.vote}`, maxlength: 200 });
  const who = el("input", { type: "text", id: `who-${d.vote}`, maxlength: 80 });
  const li = el("li", { class: "person" },
    el("p", { class: "proposal-text" }, el("span", { class: "outcome-inline" }), el("span", { class: "question" })),
    el("ul", { class: "actions-list" }),
    el("form", { class: "inline-form", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      const inputs = [what, who];
      const sent = values(inputs);
      if (await act("add_action", { vote: li._decision.vote, what: sent[0], who: sent[1] })) clearSent(inputs, sent);
    } },
    el("label", { for: what.id }, words("facilitator.action_point"), el("span", { class: "visually-hidden for-what" })),
    what,
    el("label", { for: who.id }, words("facilitator.who"), el("span", { class: "visually-hidden for-who" })),
    who,
    el("button", { type: "submit", class: "secondary small", "data-i18n": "facilitator.add_action_point" }, t("facilitator.add_action_point"))));
  return li;
}

function updateDecision(li, d) {
  li._decision = d;
  const outcome = li.querySelector(".outcome-inline");
  outcome.className = `outcome-inline ${d.result.outcome}`;
  setText(outcome, `${outcomeLabel(d.result)}: `);
  setText(li.querySelector(".question"), d.question);
  setText(li.querySelector(".for-what"), ` ${t("facilitator.action_for", { question: d.question.slice(0, 80) })}`);
  setText(li.querySelector(".for-who"), ` ${t("facilitator.who_for", { question: d.question.slice(0, 80) })}`);
  keyed(li.querySelector(".actions-list"), d.actions, (a) => a.action,
    (a) => el("li", {}, el("span", { class: "what" }), " ",
      button("facilitator.remove", "danger small", () => act("remove_action", { action: a.action }))),
    (item, a) => {
      setText(item.querySelector(".what"), `${a.what} — ${a.who}`);
      item.querySelector("button").setAttribute("aria-label", t("facilitator.remove_action", { what: a.what }));
    });
}

// --- the "Open a vote" form -------------------------------------------------------------------------

// Each ballot's rules, worded from facilitator.rule.<ballot>.<rule>.
const RULES = {
  yes_no: ["majority", "majority_plus_one", "fraction", "unanimity"],
  consensus: ["consensus", "modified_consensus", "unanimity"],
  choice: ["plurality", "majority"],
};

function syncVoteForm() {
  const ballot = $("#vote-ballot").value;
  const rule = $("#vote-rule-input");
  if (rule.dataset.ballot !== ballot) {
    const keep = rule.value;
    rule.dataset.ballot = ballot;
    rule.replaceChildren(...RULES[ballot].map((value) => {
      const key = `facilitator.rule.${ballot}.${value}`;
      return el("option", { value, "data-i18n": key }, t(key));
    }));
    if (RULES[ballot].includes(keep)) rule.value = keep;
  }
  $("#question-box").hidden = $("#vote-subject").value !== "question";
  $("#options-box").hidden = ballot !== "choice";
  $("#fraction-box").hidden = rule.value !== "fraction";
  $("#threshold-box").hidden = rule.value !== "modified_consensus";
  $("#quorum-box").hidden = !$("#vote-quorum").value;
}
for (const id of ["#vote-ballot", "#vote-rule-input", "#vote-quorum", "#vote-subject"]) $(id).addEventListener("change", syncVoteForm);

function voteSubjects(view) {
  const subjects = [["question", t("facilitator.subject_question")]];
  if (view.agenda.ready) subjects.push(["agenda", t("facilitator.subject_agenda")]);
  for (const p of view.proposals) {
    if (!["open", "failed", "no_quorum"].includes(p.status)) continue;
    subjects.push([`proposal:${p.proposal}`, t("facilitator.subject_proposal", { number: p.number ?? p.proposal, text: p.text.slice(0, 60) })]);
    for (const a of p.amendments) {
      subjects.push([`amendment:${a.amendment}`, t("facilitator.subject_amendment", { amendment: a.amendment, proposal: p.proposal })]);
    }
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
  const form = event.target;
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
  if (await act("open_vote", fields)) {
    // The next vote starts from the defaults: it must not inherit a secret ballot or a quorum.
    form.reset();
    syncVoteForm();
    $("#vote-box").open = false;
  }
});

// --- proposals --------------------------------------------------------------------------------------

function renderProposals(proposals) {
  voteSubjects(latest);
  keyed($("#proposals"), proposals.filter((p) => p.status !== "withdrawn"), (p) => p.proposal, proposalRow, updateProposal);
}

function proposalRow() {
  const li = el("li", { class: "person" },
    el("p", { class: "proposal-text" }),
    el("span", { class: "muted meta" }),
    button("facilitator.withdraw", "danger small withdraw", () => act("withdraw_proposal", { proposal: li._proposal.proposal })),
    el("div", { class: "amendments" }));
  return li;
}

function updateProposal(li, p) {
  li._proposal = p;
  setText(li.querySelector(".proposal-text"), p.text);
  const status = has(`facilitator.proposal_status.${p.status}`) ? t(`facilitator.proposal_status.${p.status}`) : p.status.replace("_", " ");
  setText(li.querySelector(".meta"), t("facilitator.proposal_meta", { number: p.number ?? p.proposal, name: p.proposer, status }));
  const withdraw = li.querySelector(".withdraw");
  withdraw.hidden = p.status !== "open";
  withdraw.setAttribute("aria-label", t("facilitator.withdraw_proposal", { proposal: p.proposal }));
  keyed(li.querySelector(".amendments"), p.amendments, (a) => a.amendment,
    (a) => el("div", { class: "item-row" },
      el("span", { class: "name" }),
      button("facilitator.proposer_accepts", "secondary small", () => act("accept_amendment", { amendment: a.amendment })),
      button("facilitator.withdraw", "danger small", () => act("withdraw_amendment", { amendment: a.amendment }))),
    (row, a) => {
      setText(row.querySelector(".name"), a.by ? t("facilitator.amendment_by", { name: a.by, text: a.text })
        : t("facilitator.amendment_by_facilitator", { text: a.text }));
      const [accept, withdrawIt] = row.querySelectorAll("button");
      accept.setAttribute("aria-label", t("facilitator.proposer_accepts_amendment", { amendment: a.amendment }));
      withdrawIt.setAttribute("aria-label", t("facilitator.withdraw_amendment", { amendment: a.amendment }));
    });
}

$("#proposal-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const inputs = [$("#proposal-text"), $("#proposal-by")];
  const sent = values(inputs);
  if (await act("add_proposal", { text: sent[0], proposer: sent[1] })) clearSent(inputs, sent);
});

// --- temperature and written points -----------------------------------------------------------------

function renderRoom(temperature, points, shown) {
  const live = temperature.live;
  const signal = (s, n) => t(`facilitator.signal.${s}`, { count: n });
  const counts = ["agree", "unsure", "disagree"].map((s) => signal(s, live[s].reduce((a, b) => a + b, 0)));
  const check = temperature.check;
  setText($("#room-mood"), t("facilitator.mood", { counts: counts.join(", ") }) +
    (check ? ` ${t("facilitator.mood_check", { question: check.question,
      counts: Object.entries(check.counts).map(([k, n]) => signal(k, n)).join(", ") })}` : ""));
  $("#no-points").hidden = points.length > 0;
  $("#hide-point").hidden = !shown;
  keyed($("#points"), points, (p) => p.point, pointRow, updatePoint);
}

function pointRow() {
  const li = el("li", { class: "person" },
    el("p", { class: "proposal-text" }),
    el("span", { class: "muted meta" }),
    el("span", { class: "row-actions" },
      button("facilitator.show_on_screen", "secondary small show", () => act("show_point", { point: li._point.point })),
      button("facilitator.read_into_stack", "secondary small read", () => act("read_point", { point: li._point.point })),
      button("facilitator.dismiss", "danger small dismiss", () => act("dismiss_point", { point: li._point.point }))));
  return li;
}

function updatePoint(li, p) {
  li._point = p;
  setText(li.querySelector(".proposal-text"), p.text);
  setText(li.querySelector(".meta"), t(p.anonymous ? "facilitator.point_meta_anonymous" : "facilitator.point_meta",
    { author: p.author, count: p.upvotes }));
  li.querySelector(".show").setAttribute("aria-label", t("facilitator.show_on_screen_text", { text: p.text }));
  li.querySelector(".read").setAttribute("aria-label", t("facilitator.read_into_stack_text", { text: p.text }));
  li.querySelector(".dismiss").setAttribute("aria-label", t("facilitator.dismiss_text", { text: p.text }));
}

$("#hide-point").addEventListener("click", () => act("show_point", {}));
$("#check-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#check-question");
  const sent = values([input]);
  const question = input.value.trim() || t("facilitator.are_we_ready_to_decide");
  if (await act("start_check", { question, seconds: Number($("#check-seconds").value) || 30 })) clearSent([input], sent);
});

// --- self-declared groups ---------------------------------------------------------------------------

let groupsShown = null;  // the groups as the field last showed them from a view

function renderGroups(stack) {
  // The field follows the server only while nobody has typed in it.
  const input = $("#groups");
  const text = stack.groups.join(", ");
  if (text !== groupsShown) {
    if (groupsShown === null || input.value === groupsShown) input.value = text;
    groupsShown = text;
  }
  $("#shares-table").hidden = !stack.group_shares.length;
  const pct = (v) => (v === null ? "–" : `${v}%`);
  keyed($("#shares"), stack.group_shares, (g) => g.group,
    () => el("tr", {}, el("td"), el("td"), el("td"), el("td")),
    (tr, g) => [g.group, pct(g.present_share), pct(g.turn_share), pct(g.time_share)].forEach((t, i) => setText(tr.children[i], t)));
}
$("#groups-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#groups");
  const sent = input.value;
  const groups = sent.split(",").map((g) => g.trim()).filter(Boolean);
  // Once sent, the field follows the server again (which tidies the list), unless typed in since.
  if (await act("set_groups", { groups }) && input.value === sent) groupsShown = sent;
});

// --- countdowns ---------------------------------------------------------------------------------------

function tick() {
  rooms.tick();
  openSpace.tick();
  const item = latest?.agenda?.current;
  if (item) {
    const left = secondsLeft(socket, item.deadline);
    setText($("#item-countdown"), t(left < 0 ? "facilitator.over_time" : "facilitator.clock_left", { clock: clock(left) }));
    $("#item-countdown").classList.toggle("over", left < 0);
  }
  const countdown = $("#console-countdown");
  if (!speaker) { setText(countdown, ""); return; }
  const left = secondsLeft(socket, speaker.deadline);
  setText(countdown, left < 0 ? t("facilitator.over_time", { clock: clock(left) }) : clock(left));
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 250);

const rooms = breakouts({ socket, confirmDialog });
const openSpace = openSpaceConsole({ socket, confirmDialog });
const cafe = cafeConsole({ socket, meetingId, key });
const interpreting = interpretation({ socket, confirmDialog });
const translating = translators({ socket });

// --- people -------------------------------------------------------------------------------------------

function personRow(person) {
  const input = el("input", { type: "text", maxlength: 40, required: true, autocomplete: "off" });
  const form = el("form", { class: "rename-form", hidden: true, novalidate: true },
    el("label", {}, el("span", { class: "label-text" }), " ", input),
    el("button", { type: "submit", class: "small", "data-i18n": "facilitator.save" }, t("facilitator.save")),
    button("facilitator.cancel", "secondary small", () => closeRename(row, true)));
  const row = el("li", { class: "person" },
    el("span", { class: "name" }),
    el("span", { class: "where" }),
    el("span", { class: "row-actions" },
      button("facilitator.rename", "secondary small rename", () => openRename(row)),
      button("facilitator.remove_from_meeting", "danger small remove", () => removePerson(row))),
    form);
  input.addEventListener("keydown", (event) => { if (event.key === "Escape") closeRename(row, true); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await act("rename_participant", { participant: row._person.id, name: input.value })) closeRename(row, true);
  });
  row._person = person;
  return row;
}

function updatePerson(row, person, ended) {
  row._person = person;
  row.classList.toggle("away", !person.present);
  setText(row.querySelector(".name"), person.name);
  setText(row.querySelector(".where"), t(person.present ? "facilitator.here" : "facilitator.away"));
  const rename = row.querySelector(".rename");
  const remove = row.querySelector(".remove");
  rename.setAttribute("aria-label", t("facilitator.rename_name", { name: person.name }));
  remove.setAttribute("aria-label", t("facilitator.remove_name", { name: person.name }));
  rename.disabled = remove.disabled = ended;
  setText(row.querySelector(".label-text"), t("facilitator.new_name_for", { name: person.name }));
}

function openRename(row) {
  const form = row.querySelector(".rename-form");
  const input = form.querySelector("input");
  form.hidden = false;
  input.value = row._person.name;
  input.focus();
  input.select();
}

function closeRename(row, focus) {
  row.querySelector(".rename-form").hidden = true;
  if (focus) row.querySelector(".rename").focus();
}

async function removePerson(row) {
  const person = row._person;
  if (await confirmDialog(t("facilitator.remove_confirm", { name: person.name }), t("facilitator.remove_from_meeting"))) {
    keepKeyboard(row, "remove");
    await act("remove_participant", { participant: person.id });
  }
}

$("#end").addEventListener("click", async () => {
  if (await confirmDialog(t("facilitator.end_confirm"), t("facilitator.end_meeting"))) {
    await act("end_meeting", {});
  }
});

// --- the big screen's language -------------------------------------------------------------------------
//
// One language, or two (side by side in every text, or alternating every 8 seconds): the screen words
// its fixed texts that way (screen/words.js).  ``screen_languages`` is the translations feature's
// message; a server without it answers ``unknown_type``, and the console says so rather than failing.

const languageName = (code) => LANGUAGES.find((l) => l.code === code)?.name || code;

function fillLanguages() {
  const first = $("#screen-lang-1");
  const second = $("#screen-lang-2");
  const option = (code) => el("option", { value: code, lang: code }, languageName(code));
  if (!first.options.length) first.append(...LANGUAGES.map((l) => option(l.code)));
  const none = el("option", { value: "", "data-i18n": "facilitator.screen_lang.none" }, t("facilitator.screen_lang.none"));
  if (!second.options.length) second.append(none, ...LANGUAGES.map((l) => option(l.code)));
  syncScreenForm();
}

function syncScreenForm() {
  const two = Boolean($("#screen-lang-2").value);
  for (const input of $("#screen-lang-mode").querySelectorAll("input")) input.disabled = !two;
  $("#screen-lang-mode").classList.toggle("off", !two);
  // The second language can't be the first.
  for (const option of $("#screen-lang-2").options) option.disabled = option.value !== "" && option.value === $("#screen-lang-1").value;
}

let screenShown = "";  // the screen's setting as the form last showed it from a view

function renderScreenLanguages(view) {
  const setting = view.translations?.screen || view.screen_languages || null;
  const languages = setting?.languages?.length ? setting.languages : ["en"];
  const mode = setting?.mode === "alternate" ? "alternate" : "side";
  const shown = JSON.stringify([languages, mode]);
  if (shown === screenShown) return;
  // The form follows the server only while the facilitator isn't changing it.
  if (!$("#screen-lang-form").contains(document.activeElement)) {
    screenShown = shown;
    $("#screen-lang-1").value = languages[0];
    $("#screen-lang-2").value = languages[1] || "";
    for (const input of document.querySelectorAll('input[name="screen-mode"]')) input.checked = input.value === mode;
    syncScreenForm();
  }
}

for (const id of ["#screen-lang-1", "#screen-lang-2"]) $(id).addEventListener("change", syncScreenForm);
$("#screen-lang-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const first = $("#screen-lang-1").value;
  const second = $("#screen-lang-2").value;
  const languages = second && second !== first ? [first, second] : [first];
  const mode = document.querySelector('input[name="screen-mode"]:checked')?.value || "side";
  const status = $("#screen-lang-status");
  try {
    await socket.request("screen_languages", { languages, mode });
    screenShown = JSON.stringify([languages, mode]);
    const names = languages.map(languageName).join(" + ");
    status.textContent = languages.length > 1
      ? t(mode === "alternate" ? "facilitator.screen_lang.sent_alternate" : "facilitator.screen_lang.sent_side", { languages: names })
      : t("facilitator.screen_lang.sent", { languages: names });
  } catch (err) {
    status.textContent = err.code === "unknown_type" ? t("facilitator.screen_lang.unsupported") : errorText(err);
  }
});
fillLanguages();

// --- the console's own language --------------------------------------------------------------------------

// The page's fixed words are re-worded by the engine (data-i18n); what came from a view is drawn again.
onLanguageChange(() => {
  translating.words();
  if (latest) render(latest);
  syncVoteForm();
});

// --- keyboard shortcuts (listed on the page, and on each button as aria-keyshortcuts) ----------------

function openVoteForm() {
  $("#vote-box").open = true;
  $("#vote-subject").focus();
}

/** Whether a shortcut's button can be used now; if not, the console says so. */
function usable(target) {
  if (!target.disabled && !target.closest("[hidden]")) return true;
  $("#console-error").textContent = t("facilitator.cannot_use_now", { label: target.textContent });
  return false;
}

/** C asks first (a stray key must not record an outcome that can't be undone); the button itself doesn't. */
async function closeVoteAsked() {
  const target = $("#close-vote");
  if (!usable(target)) return;
  const vote = latest.vote.vote;
  const sure = await confirmDialog(latest.vote.question ? t("facilitator.close_vote_confirm", { question: latest.vote.question })
    : t("facilitator.close_open_vote_confirm"), t("facilitator.close_vote"));
  if (!sure || !latest.vote || latest.vote.vote !== vote || !latest.vote.open) return;  // closed meanwhile: nothing to do
  if (usable(target)) target.click();
}

const SHORTCUTS = { n: "#next-speaker", "+": "#extend", "=": "#extend", e: "#end-turn", c: closeVoteAsked, v: openVoteForm };
const TEXT_INPUTS = /^(text|search|email|url|tel|password|number|date|time|datetime-local|month|week)$/;

/** Whether a key pressed here is typing (never a shortcut). */
function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("textarea, select, [contenteditable]")) return true;
  return target.matches("input") && TEXT_INPUTS.test(target.type || "text");
}

document.addEventListener("keydown", (event) => {
  // A held key repeats: one press is one action (holding N must not skip through the stack).
  if (event.repeat || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (typing(event.target) || document.querySelector("dialog[open]")) return;
  const action = SHORTCUTS[event.key.length === 1 ? event.key.toLowerCase() : ""];
  if (!action) return;
  event.preventDefault();
  if (typeof action === "function") { action(); return; }
  const target = $(action);
  if (usable(target)) target.click();
});

socket.connect();
