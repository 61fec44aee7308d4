// The minutes, readable on a phone: rendered from /api/meetings/{id}/minutes.json (never HTML from the server).
import { el, $ } from "/static/shared/socket.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/minutes`;
$("#md-link").href = `${base}.md`;
const LABELS = { yes: "Yes", no: "No", abstain: "Abstain", agree: "Agree", stand_aside: "Stand aside", block: "Block" };
const label = (c) => LABELS[c] || c;
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");

function vote(v) {
  const parts = [el("h3", {}, `${v.secret ? "Secret vote" : "Open vote"} on the ${v.subject}: ${v.question}`),
    el("p", { class: "muted" }, `Rule: ${v.rule}.`)];
  if (!v.result) return el("div", {}, ...parts, el("p", {}, "Not closed yet."));
  const counts = Object.entries(v.counts || {}).map(([k, n]) => `${label(k)} ${n}`).join(", ");
  parts.push(el("p", { class: `outcome ${v.result.outcome}` }, el("strong", {}, v.result.label), ` — ${v.result.words}`),
    el("p", {}, `${counts}. Present ${v.present}, ballots ${v.turnout}.`));
  for (const r of v.reasons) parts.push(el("p", {}, `${label(r.choice)}: “${r.reason}” (${r.name || "anonymous"})`));
  if (v.secret) {
    parts.push(el("p", {}, `Voted: ${v.voters.join(", ") || "nobody"}`),
      el("details", {}, el("summary", {}, `Receipts (${v.receipts.length}): find yours`),
        el("ul", { class: "receipts" }, ...v.receipts.map((r) => el("li", {}, `${r.receipt} ${r.choices.map(label).join(", ")}`)))));
  } else {
    parts.push(el("ul", {}, ...Object.entries(v.roll_call).map(([c, names]) => el("li", {}, `${label(c)}: ${names.join(", ") || "—"}`))));
  }
  return el("div", {}, ...parts);
}

function render(data) {
  const m = data.meeting;
  $("#title").textContent = `Minutes: ${m.title}`;
  document.title = `Minutes: ${m.title} — Plaza`;
  $("#when").textContent = m.ended_at ? `Ended ${new Date(m.ended_at).toLocaleString()}` : `In progress — as of ${hm(m.as_of)}`;
  const body = [];
  const agenda = data.agenda;
  body.push(el("h2", {}, "Agenda"), el("p", {}, agenda.approved_at ? `Approved at ${hm(agenda.approved_at)}:` : "Not approved."),
    el("ol", {}, ...(agenda.approved_at ? agenda.approved : agenda.items).map((i) => el("li", {}, `${i.title} (${i.minutes} min)`))));
  for (const s of data.items) {
    body.push(el("h2", {}, s.title));
    if (s.speakers.length) body.push(el("h3", {}, "Speakers"), el("ol", {}, ...s.speakers.map((sp) => el("li", {}, `${hm(sp.started_at)} ${sp.name} (${sp.kind.toLowerCase()}, ${sp.seconds} s)`))));
    for (const c of s.checks) body.push(el("p", {}, `Temperature check “${c.question}”: ${Object.entries(c.counts).map(([k, n]) => `${k} ${n}`).join(", ")}`));
    for (const p of s.proposals) {
      body.push(el("h3", {}, `Proposal ${p.number ?? p.proposal} by ${p.proposer} (${p.status.replace("_", " ")})`), el("blockquote", {}, p.text));
      if (p.original !== p.text) body.push(el("p", { class: "muted" }, `Original wording: “${p.original}”`));
      for (const a of p.amendments) body.push(el("p", {}, `Amendment by ${a.by || "the facilitator"} (${a.status}): “${a.text}”`));
    }
    for (const v of s.votes) body.push(vote(v));
  }
  body.push(el("h2", {}, "Decisions"));
  body.push(data.decisions.length
    ? el("ul", {}, ...data.decisions.map((d) => el("li", {}, el("strong", {}, `${d.label}: `), d.question,
        d.actions.length ? el("ul", {}, ...d.actions.map((a) => el("li", {}, `Action: ${a.what} (who: ${a.who})`))) : null)))
    : el("p", {}, "None yet."));
  body.push(el("h2", {}, "Who spoke"), el("ul", {}, ...data.statistics.speakers.map((s) => el("li", {}, `${s.name}: ${s.turns} ${s.turns === 1 ? "turn" : "turns"}, ${Math.round(s.seconds)} s`))));
  if (data.statistics.groups.length) {
    const pct = (v) => (v === null ? "–" : `${v}%`);
    body.push(el("table", {}, el("thead", {}, el("tr", {}, ...["Group", "Participants", "Turns", "Time"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...data.statistics.groups.map((g) => el("tr", {}, el("td", {}, g.group), el("td", {}, pct(g.present_share)), el("td", {}, pct(g.turn_share)), el("td", {}, pct(g.time_share)))))));
  }
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = `The minutes can't be loaded: ${err.message}`; });
