// The attendee's phone: join under a name, then follow the meeting.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, clearSent, values } from "/static/shared/socket.js";

const code = decodeURIComponent(location.pathname.split("/").pop()).toUpperCase();
const tokenKey = `plaza.token.${code}`;
let me = { status: "guest", participant: null };
let phone = { title: "", present: 0, ended: false, stack: null };
// What moves with every hand and ballot comes in its own view, less often in a big meeting.
let live = { stack: { next: [], waiting: 0 }, vote: null };
let missing = false;

const socket = new PlazaSocket(() => {
  const hello = { role: "phone", code };
  const token = localStorage.getItem(tokenKey);
  if (token) hello.token = token;
  return hello;
});
showStatus(socket, $("#connection"));

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "view":
      if (message.view === "phone") phone = message.data;
      if (message.view === "me") me = message.data;
      if (message.view === "live") live = message.data;
      render();
      break;
    case "error":
      if (message.code === "bad_token") localStorage.removeItem(tokenKey);
      if (message.code === "unknown_meeting") { missing = true; socket.stop(); render(); }
      break;
  }
});

function show(id) {
  for (const section of ["join", "joined", "removed", "ended", "missing"]) {
    $(`#${section}`).hidden = section !== id;
  }
}

function render() {
  if (missing) {
    $("#title").textContent = `Code ${code}`;
    show("missing");
    return;
  }
  $("#title").textContent = phone.title || "Joining…";
  document.title = phone.title ? `${phone.title} — Plaza` : "Plaza";
  $("#present").textContent = phone.present;
  if (phone.meeting) {
    const url = `/minutes/${encodeURIComponent(phone.meeting)}`;
    $("#minutes-link").href = url;
    $("#ended-minutes").href = url;
  }
  $("#minutes-hint").hidden = !(phone.meeting && me.status === "joined" && !phone.ended);
  if (phone.ended) show("ended");
  else if (me.status === "joined") {
    $("#my-name").textContent = me.participant.name;
    renderStack();
    renderAssembly();
    show("joined");
  } else if (me.status === "removed") show("removed");
  else show("join");
}

const ORDINAL = (n) => (n === 1 ? "You're next" : `You're number ${n} on the stack`);

function renderStack() {
  const stack = phone.stack;
  const speaker = stack && stack.speaker;
  $("#floor-speaker").textContent = speaker ? `${speaker.name} — ${speaker.label}` : "Nobody has the floor.";
  const queue = live.stack;
  const more = queue.waiting - queue.next.length;
  $("#floor-next").textContent = queue.waiting
    ? `Next: ${queue.next.map((n) => `${n.name} (${n.label})`).join(", ")}` + (more > 0 ? ` and ${more} more` : "") + "."
    : "Nobody is waiting.";
  const hand = me.hand;
  $("#hand-down").hidden = Boolean(hand);
  $("#hand-up").hidden = !hand;
  if (hand) {
    $("#my-place").textContent = `${ORDINAL(hand.position)} (${hand.label})`;
    $("#my-reason").textContent = `Why: ${hand.reason}.`;
  }
  $('input[name="kind"][value="new"]').disabled = Boolean(stack && !stack.open);
  $('input[name="kind"][value="direct"]').disabled = !speaker;
  $("#priority").checked = Boolean(me.priority_opted);
  $("#speaking").hidden = !me.speaking;
  tick();
}

// --- the assembly: agenda, vote, temperature, proposals, written points, group -----------

let ballotFor = null; // the vote whose choices are on screen (rebuilt only when it changes)

function renderAssembly() {
  const agenda = phone.agenda || { items: [], current: null, approved: false };
  $("#item").hidden = !agenda.current;
  if (agenda.current) $("#item-title").textContent = agenda.current.title;
  $("#agenda-state").textContent = agenda.approved ? "(approved)" : "(draft: not approved yet)";
  $("#agenda").replaceChildren(...agenda.items.map((i) =>
    el("li", { class: i.status }, `${i.title} (${i.minutes} min)`,
      i.status === "current" ? el("strong", {}, " — now") : i.status === "done" ? " — done" : "")));
  renderVote();
  renderCheck();
  for (const button of document.querySelectorAll("[data-signal]")) {
    button.setAttribute("aria-pressed", String(me.signal?.signal === button.dataset.signal));
  }
  renderProposals();
  renderPoints();
  renderGroups();
}

function renderVote() {
  const vote = phone.vote;
  $("#vote").hidden = !vote;
  if (!vote) return;
  $("#vote-heading").textContent = vote.open ? (vote.secret ? "Secret vote — open" : "Vote — open") : "Vote closed";
  $("#vote-question").textContent = vote.question;
  $("#vote-rule").textContent = `Rule: ${vote.rule_words}.`;
  const key = `${vote.vote}:${vote.open}`;
  if (ballotFor !== key) {
    ballotFor = key;
    const type = vote.multi ? "checkbox" : "radio";
    $("#ballot-choices").replaceChildren(
      el("legend", {}, vote.multi ? "Your ballot (choose one or more)" : "Your ballot"),
      ...vote.choices.map((c) => el("label", { class: "kind" },
        el("input", { type, name: "choice", value: c.choice, onchange: reasonBox }), ` ${c.label}`)));
    $("#ballot-reason").value = "";
    $("#ballot-error").textContent = "";
  }
  const mine = me.ballot && me.ballot.vote === vote.vote ? me.ballot : null;
  if (mine && document.activeElement?.name !== "choice") {
    for (const input of document.querySelectorAll('input[name="choice"]')) input.checked = mine.choices.includes(input.value);
  }
  reasonBox();
  $("#ballot-form").hidden = !vote.open;
  $("#cast").textContent = mine ? "Change my ballot" : "Cast ballot";
  const labels = Object.fromEntries(vote.choices.map((c) => [c.choice, c.label]));
  $("#my-ballot").textContent = mine
    ? `Your ballot: ${mine.choices.map((c) => labels[c]).join(", ")}.` +
      (vote.secret ? ` Receipt ${mine.receipt}: find it in the minutes after the close.` : "") +
      (vote.open ? " You can change it until the vote closes." : "")
    : (vote.open ? "You haven't voted yet." : "");
  const result = vote.result;
  $("#vote-result").hidden = !result;
  if (result) {
    $("#outcome").textContent = result.label;
    $("#outcome").className = `outcome ${result.outcome}`;
    $("#outcome-words").textContent = result.words;
  }
  // While the vote is open its running figures come in the live view.
  const figures = vote.open ? (live.vote?.vote === vote.vote ? live.vote : { turnout: 0, counts: null }) : vote;
  $("#vote-tally").textContent = figures.counts
    ? vote.choices.map((c) => `${c.label} ${figures.counts[c.choice]}`).join(" · ") + ` — ${figures.turnout} ballots`
    : `${figures.turnout} ballots so far` + (vote.hidden ? " (results are shown when the vote closes)" : "");
}

function chosen() {
  return [...document.querySelectorAll('input[name="choice"]:checked')].map((i) => i.value);
}

function reasonBox() {
  const picked = chosen();
  const needs = picked.includes("block") || picked.includes("stand_aside");
  $("#reason-box").hidden = !needs;
  $("#reason-label").textContent = picked.includes("block")
    ? "Why do you block? (required: a block is a serious objection)"
    : "Your reason (optional)";
}

$("#ballot-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const vote = phone.vote;
  const picked = chosen();
  const error = $("#ballot-error");
  if (!picked.length) { error.textContent = "Choose first."; return; }
  const fields = { vote: vote.vote };
  if (vote.multi) fields.choices = picked; else fields.choice = picked[0];
  const reason = $("#ballot-reason").value.trim();
  if (reason && !$("#reason-box").hidden) fields.reason = reason;
  await act("cast_ballot", fields, error);
});

function renderCheck() {
  const check = phone.check;
  const running = check && secondsLeft(socket, check.deadline) > 0;
  $("#check").hidden = !running;
  if (!running) return;
  $("#check-question").textContent = check.question;
  for (const button of document.querySelectorAll("[data-check]")) {
    button.setAttribute("aria-pressed", String(me.check_answer === button.dataset.check));
  }
}

for (const button of document.querySelectorAll("[data-check]")) {
  button.addEventListener("click", () => act("answer_check", { check: phone.check.check, signal: button.dataset.check }));
}
for (const button of document.querySelectorAll("[data-signal]")) {
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") === "true";
    act("signal", { signal: on ? "" : button.dataset.signal });
  });
}

function renderProposals() {
  const mineId = me.participant?.id;
  $("#proposals").replaceChildren(...(phone.proposals || []).map((p) => {
    const amendments = p.amendments.map((a) => el("li", {},
      el("span", {}, `Amendment by ${a.by || "the facilitator"}: “${a.text}”`),
      p.proposer_id === mineId
        ? el("button", { type: "button", class: "small secondary", "aria-label": `Accept the amendment by ${a.by}`,
            onclick: () => act("accept_amendment", { amendment: a.amendment }) }, "Accept")
        : null));
    const form = el("form", { class: "amend", novalidate: true, onsubmit: (event) => {
      event.preventDefault();
      const text = event.target.querySelector("textarea").value.trim();
      if (text) act("amend", { proposal: p.proposal, text });
    } },
    el("label", { for: `amend-${p.proposal}` }, "New wording"),
    el("textarea", { id: `amend-${p.proposal}`, rows: 3, maxlength: 1000 }),
    el("button", { type: "submit", class: "small secondary" }, "Propose amendment"));
    return el("li", { class: "proposal" },
      el("p", { class: "question" }, p.text),
      el("p", { class: "reason" }, `Proposed by ${p.proposer}`),
      amendments.length ? el("ul", { class: "plain" }, ...amendments) : null,
      el("details", {}, el("summary", {}, "Amend it"), form));
  }));
  if (!(phone.proposals || []).length) $("#proposals").replaceChildren(el("li", { class: "reason" }, "No proposal on the table."));
}

function renderPoints() {
  const upvoted = new Set(me.upvoted || []);
  const mine = new Set(me.points || []);
  $("#points").replaceChildren(...(phone.points || []).map((p) => el("li", { class: "point" },
    el("p", {}, p.text),
    el("p", { class: "reason" }, `${p.author} · ${p.upvotes} upvote${p.upvotes === 1 ? "" : "s"}`),
    mine.has(p.point)
      ? el("button", { type: "button", class: "small secondary", onclick: () => act("withdraw_point", { point: p.point }) }, "Withdraw")
      : el("button", { type: "button", class: "small secondary", "aria-pressed": String(upvoted.has(p.point)),
          "aria-label": `Upvote: ${p.text}`, onclick: () => act("upvote_point", { point: p.point, up: !upvoted.has(p.point) }) },
          upvoted.has(p.point) ? "Upvoted" : "Upvote"))));
}

function renderGroups() {
  const groups = phone.groups || [];
  $("#group-box").hidden = !groups.length;
  const select = $("#group");
  const wanted = ["", ...groups].join("\n");
  if (select.dataset.groups !== wanted) {
    select.dataset.groups = wanted;
    select.replaceChildren(el("option", { value: "" }, "I'd rather not say"), ...groups.map((g) => el("option", { value: g }, g)));
  }
  if (document.activeElement !== select) select.value = me.group || "";
}
$("#group").addEventListener("change", (event) => act("declare_group", { group: event.target.value }));

function formAct(form, textarea, error, type, fields) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(textarea);
    const sent = values([input]);
    const text = input.value.trim();
    if (!text) { $(error).textContent = "Write something first."; return; }
    if (await act(type, fields(text), $(error))) clearSent([input], sent);
  });
}
formAct("#propose-form", "#proposal-text", "#propose-error", "propose", (text) => ({ text }));
formAct("#point-form", "#point-text", "#point-error", "post_point", (text) => ({ text, anonymous: $("#point-anonymous").checked }));
formAct("#item-form", "#item-text", "#item-error", "propose_item", (title) => ({ title }));

function tick() {
  const current = phone.agenda?.current;
  if (current && current.deadline) {
    const left = secondsLeft(socket, current.deadline);
    $("#item-countdown").textContent = clock(left);
  }
  if (phone.check) {
    const left = secondsLeft(socket, phone.check.deadline);
    $("#check-countdown").textContent = clock(Math.max(0, left));
    if ($("#check").hidden === left > 0) renderCheck();
  }
  if (!me.speaking) return;
  const left = secondsLeft(socket, me.speaking.deadline);
  const countdown = $("#my-countdown");
  countdown.textContent = clock(left);
  countdown.classList.toggle("over", left < 0);
  const up = $("#time-up");
  if (left < 0 && up.hidden && navigator.vibrate) navigator.vibrate([200, 100, 200]);  // a gentle signal
  up.hidden = left >= 0;
}
setInterval(tick, 250);

async function act(type, fields = {}, error = $("#phone-error")) {
  try {
    await socket.request(type, fields);
    error.textContent = "";
    return true;
  } catch (err) {
    error.textContent = err.message;
    return false;
  }
}

$("#raise").addEventListener("click", () => {
  const kind = document.querySelector('input[name="kind"]:checked')?.value ?? "new";
  act("raise_hand", { kind }, $("#hand-error"));
});
$("#lower").addEventListener("click", () => act("lower_hand", {}, $("#hand-error")));
$("#priority").addEventListener("change", (event) => act("opt_priority", { opted: event.target.checked }, $("#hand-error")));

$("#join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("#name").value.trim();
  const error = $("#join-error");
  if (!name) { error.textContent = "Please type your name."; $("#name").focus(); return; }
  error.textContent = "";
  $("#join-button").disabled = true;
  try {
    const ack = await socket.request("join", { name });
    localStorage.setItem(tokenKey, ack.token);
  } catch (err) {
    error.textContent = err.message;
    $("#name").focus();
  } finally {
    $("#join-button").disabled = false;
  }
});

$("#rename-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("#rename-error");
  try {
    await socket.request("rename", { name: $("#new-name").value });
    error.textContent = "";
    $("#rename").open = false;
  } catch (err) {
    error.textContent = err.message;
  }
});

$("#rejoin").addEventListener("click", () => {
  localStorage.removeItem(tokenKey);
  me = { status: "guest", participant: null };
  socket.restart();
  render();
});

render();
socket.connect();
