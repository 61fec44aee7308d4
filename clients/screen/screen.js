// The big screen: view-only, shows how to join and who is here.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $ } from "/static/shared/socket.js";

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "screen", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
$("#qr").src = `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg`;

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "screen") render(message.data);
  if (message.type === "error" && ["bad_key", "unknown_meeting"].includes(message.code)) {
    socket.stop();
    $("#title").textContent = message.message;
  }
});

function render(view) {
  $("#title").textContent = view.title;
  document.title = `${view.title} — Plaza screen`;
  $("#code").textContent = view.code;
  $("#address").textContent = view.join_url.replace(/^https?:\/\//, "").replace(/\/j\/[^/]*$/, "");
  $("#present").textContent = view.present;
  $("#present-label").textContent = view.present === 1 ? "person here" : "people here";
  $("#ended").hidden = !view.ended;
  current = view;
  renderStack(view.stack);
  renderAgenda(view.agenda);
  renderVote(view.vote);
  renderPoint(view.point);
  tick();
}

let current = null;

function renderAgenda(agenda) {
  const item = agenda && agenda.current;
  $("#item-bar").hidden = !item;
  if (!item) return;
  $("#item-title").textContent = item.title;
  $("#item-next").textContent = agenda.next.length ? `Next: ${agenda.next[0].title}` : "Last item";
}

function renderVote(vote) {
  $("#vote-panel").hidden = !vote;
  document.body.classList.toggle("voting", Boolean(vote));
  if (!vote) return;
  $("#vote-label").textContent = vote.open ? (vote.secret ? "Secret vote — open" : "Vote — open") : "Vote — closed";
  $("#vote-question").textContent = vote.question;
  $("#vote-rule").textContent = vote.rule_words;
  const result = vote.result;
  $("#outcome").hidden = $("#outcome-words").hidden = !result;
  if (result) {
    $("#outcome").textContent = result.label;
    $("#outcome").className = `outcome-banner ${result.outcome}`;
    $("#outcome-words").textContent = result.words;
  }
  const most = Math.max(1, ...Object.values(vote.counts || {}));
  $("#tally").replaceChildren(...(vote.counts ? vote.choices.map((c) => {
    const n = vote.counts[c.choice];
    const names = vote.names && vote.names[c.choice];
    return el("li", { class: `choice ${c.choice}` },
      el("span", { class: "choice-name" }, c.label),
      el("span", { class: "choice-bar", style: `width: ${Math.round((n / most) * 100)}%` }),
      el("span", { class: "choice-n" }, String(n)),
      names && names.names.length
        ? el("span", { class: "choice-names" }, names.names.join(", ") + (names.more ? ` and ${names.more} more` : ""))
        : null);
  }) : []));
  const labels = Object.fromEntries(vote.choices.map((c) => [c.choice, c.label]));
  $("#reasons").replaceChildren(...vote.reasons.slice(0, 3).map((r) => el("li", {},
    el("span", { class: "why" }, `${labels[r.choice]}${r.name ? ` (${r.name})` : ""}: `), `“${r.reason}”`)));
  $("#turnout").textContent = `${vote.turnout} ballot${vote.turnout === 1 ? "" : "s"}` +
    (result ? ` of ${result.present} present` : "") + (vote.counts ? "" : " — results shown when the vote closes");
}

function renderPoint(point) {
  $("#point").hidden = !point;
  if (!point) return;
  $("#point-text").textContent = point.text;
  $("#point-meta").textContent = `${point.author} · ${point.upvotes} upvote${point.upvotes === 1 ? "" : "s"}`;
}

/** The room's hand signals, each bucket weighted by how recent it is (they fade over a minute). */
function renderTemperature() {
  const temperature = current && current.temperature;
  if (!temperature) return false;
  const check = temperature.check;
  const checking = check && (secondsLeft(socket, check.deadline) > -30);  // a check's result stays 30 s
  let weights;
  if (checking) {
    weights = check.counts;
    const left = secondsLeft(socket, check.deadline);
    $("#temperature-label").textContent = `${check.question} — ${left > 0 ? clock(left) : "ended"}`;
  } else {
    const live = temperature.live;
    const now = (Date.now() + socket.clockOffset) / 1000;
    weights = {};
    for (const signal of ["agree", "unsure", "disagree"]) {
      weights[signal] = live[signal].reduce((sum, n, i) => {
        const age = now - (live.until - i * live.bucket);
        return sum + n * Math.max(0, 1 - age / live.fade);
      }, 0);
    }
    $("#temperature-label").textContent = "The room";
  }
  const total = weights.agree + weights.unsure + weights.disagree;
  const show = total > 0.05;
  for (const signal of ["agree", "unsure", "disagree"]) {
    $(`#t-${signal}`).style.width = `${show ? Math.round((weights[signal] / total) * 100) : 0}%`;
    $(`#n-${signal}`).textContent = checking ? String(weights[signal]) : "";
  }
  $("#temperature").hidden = !show;
  return show;
}

let speaker = null;

function renderStack(stack) {
  const live = Boolean(stack && (stack.speaker || stack.waiting));
  $("#stack-panel").hidden = !live;
  if (!live) { speaker = null; return; }
  speaker = stack.speaker;
  $("#speaker-name").textContent = speaker ? speaker.name : "—";
  $("#speaker-kind").textContent = speaker ? speaker.label : "Waiting for the facilitator to give the floor";
  const list = $("#next-list");
  list.replaceChildren(...stack.next.map((entry) => {
    const item = document.createElement("li");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.name;
    const kind = document.createElement("span");
    kind.className = entry.kind === "new" ? "kind" : "kind priority";
    kind.textContent = entry.label;
    item.append(who, kind);
    return item;
  }));
  const more = stack.waiting - stack.next.length;
  $("#waiting").textContent = stack.waiting ? `(${stack.waiting} on the stack${more > 0 ? `, ${more} more` : ""})` : "(nobody)";
  $("#stack-closed").hidden = stack.open;
  tick();
}

function tick() {
  const warm = renderTemperature();
  const item = current && current.agenda && current.agenda.current;
  if (item) {
    const left = secondsLeft(socket, item.deadline);
    $("#item-countdown").textContent = left < 0 ? `${clock(left)} over time` : `${clock(left)} left`;
    $("#item-countdown").classList.toggle("over", left < 0);
  }
  // The join panel shrinks to a column once the meeting has something to show.
  const live = Boolean(current && (item || current.vote || current.point || warm || !$("#stack-panel").hidden));
  document.body.classList.toggle("live", live);
  $("#room").hidden = !live;
  const countdown = $("#countdown");
  if (!speaker) { countdown.textContent = ""; return; }
  const left = secondsLeft(socket, speaker.deadline);
  countdown.textContent = left < 0 ? `Time is up ${clock(left)}` : clock(left);
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 500);

socket.connect();
