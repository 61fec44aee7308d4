// The minutes, readable on a phone: rendered from /api/meetings/{id}/minutes.json (never HTML from the server).
// In the language of ?lang= or the browser's: the page's words from clients/i18n/minutes-page/, the
// server's (choices, kinds, rules, outcomes) from their keys; the Markdown link asks for the same language.
import { el, $ } from "/static/shared/socket.js";
import { t, tn, serverText, formatList, language, loadCatalogues, translatePage, timeLocales } from "/static/shared/i18n.js";

await loadCatalogues(["common", "server", "minutes-page"]);
const english = language() === "en";
if (!english) {  // English is the page as written
  translatePage(document);
  document.title = t("minutes-page.doc_title");
}

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/minutes`;
$("#md-link").href = english || language() === "qps" ? `${base}.md` : `${base}.md?lang=${language()}`;
const LABELS = { yes: "Yes", no: "No", abstain: "Abstain", agree: "Agree", stand_aside: "Stand aside", block: "Block" };
const label = (c) => serverText(`server.choice.${c}`, {}, LABELS[c] || c);
// The record keeps a kind of entry as its English label; its key words it in another language.
const KINDS = {
  "point of process": "process", "point of information": "information", "clarifying question": "clarifying",
  "direct response": "direct", "new point": "new",
};
const kind = (text) => (english || !KINDS[text.toLowerCase()] ? text.toLowerCase()
  : serverText(`server.kind.${KINDS[text.toLowerCase()]}`, {}, text).toLowerCase());
const names = (list) => (english ? list.join(", ") : formatList(list));
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" }) : "");

function vote(v) {
  // The subject ("proposal 2", "amendment") is the server's English word: kept as sent.
  const parts = [el("h3", {}, t(v.secret ? "minutes-page.vote.secret" : "minutes-page.vote.open", { subject: v.subject, question: v.question })),
    el("p", { class: "muted" }, t("minutes-page.vote.rule", { rule: english ? v.rule : serverText(v.rule_key, v.rule_params, v.rule) }))];
  if (!v.result) return el("div", {}, ...parts, el("p", {}, t("minutes-page.vote.not_closed")));
  const counts = Object.entries(v.counts || {}).map(([k, n]) => `${label(k)} ${n}`).join(", ");
  const outcome = english ? v.result.label : serverText(`server.outcome.${v.result.outcome}`, {}, v.result.label);
  const words = english ? v.result.words : serverText(v.result.words_key, v.result.words_params, v.result.words);
  parts.push(el("p", { class: `outcome ${v.result.outcome}` }, el("strong", {}, outcome), ` — ${words}`),
    el("p", {}, t("minutes-page.vote.counts", { counts, present: String(v.present), turnout: String(v.turnout) })));
  for (const r of v.reasons) {
    parts.push(el("p", {}, t("minutes-page.vote.reason", { choice: label(r.choice), reason: r.reason, name: r.name || t("minutes-page.anonymous") })));
  }
  if (v.secret) {
    parts.push(el("p", {}, t("minutes-page.voted", { names: names(v.voters) || t("minutes-page.nobody") })),
      el("details", {}, el("summary", {}, t("minutes-page.receipts", { count: v.receipts.length })),
        el("ul", { class: "receipts" }, ...v.receipts.map((r) => el("li", {}, `${r.receipt} ${r.choices.map(label).join(", ")}`)))));
  } else {
    parts.push(el("ul", {}, ...Object.entries(v.roll_call).map(([c, who]) => el("li", {}, `${label(c)}: ${names(who) || "—"}`))));
  }
  return el("div", {}, ...parts);
}

function render(data) {
  const m = data.meeting;
  $("#title").textContent = t("minutes-page.heading", { title: m.title });
  document.title = t("minutes-page.doc_of", { title: m.title });
  const ended = m.ended_at ? new Date(m.ended_at).toLocaleString(english ? undefined : timeLocales()) : "";
  $("#when").textContent = m.ended_at ? t("minutes-page.ended", { when: ended }) : t("minutes-page.in_progress", { time: hm(m.as_of) });
  const body = [];
  const agenda = data.agenda;
  body.push(el("h2", {}, t("minutes-page.agenda")),
    el("p", {}, agenda.approved_at ? t("minutes-page.approved_at", { time: hm(agenda.approved_at) }) : t("minutes-page.not_approved")),
    el("ol", {}, ...(agenda.approved_at ? agenda.approved : agenda.items).map((i) => el("li", {},
      t("minutes-page.item", { title: i.title, minutes: t("common.minutes", { count: i.minutes }) })))));
  for (const s of data.items) {
    body.push(el("h2", {}, s.title));
    if (s.speakers.length) {
      body.push(el("h3", {}, t("minutes-page.speakers")), el("ol", {}, ...s.speakers.map((sp) => el("li", {},
        t("minutes-page.speaker", { time: hm(sp.started_at), name: sp.name, kind: kind(sp.kind), seconds: String(sp.seconds) })))));
    }
    for (const c of s.checks) {
      const counts = Object.entries(c.counts).map(([k, n]) => `${k} ${n}`).join(", ");
      body.push(el("p", {}, t("minutes-page.check", { question: c.question, counts })));
    }
    for (const p of s.proposals) {
      // The status is the record's own word (open, adopted, withdrawn…), kept as sent.
      body.push(el("h3", {}, t("minutes-page.proposal", { number: String(p.number ?? p.proposal), name: p.proposer, status: p.status.replace("_", " ") })),
        el("blockquote", {}, p.text));
      if (p.original !== p.text) body.push(el("p", { class: "muted" }, t("minutes-page.original", { text: p.original })));
      for (const a of p.amendments) {
        body.push(el("p", {}, t("minutes-page.amendment", { name: a.by || t("minutes-page.the_facilitator"), status: a.status, text: a.text })));
      }
    }
    for (const v of s.votes) body.push(vote(v));
  }
  body.push(el("h2", {}, t("minutes-page.decisions")));
  body.push(data.decisions.length
    ? el("ul", {}, ...data.decisions.map((d) => el("li", {}, el("strong", {}, `${d.label}: `), d.question,
        d.actions.length ? el("ul", {}, ...d.actions.map((a) => el("li", {}, t("minutes-page.action", { what: a.what, who: a.who })))) : null)))
    : el("p", {}, t("minutes-page.none_yet")));
  body.push(el("h2", {}, t("minutes-page.who_spoke")), el("ul", {}, ...data.statistics.speakers.map((s) => el("li", {},
    tn("minutes-page.turns", s.turns, { name: s.name, seconds: String(Math.round(s.seconds)) })))));
  if (data.statistics.groups.length) {
    const pct = (v) => (v === null ? "–" : `${v}%`);
    const columns = ["group", "participants", "turns", "time"].map((c) => t(`minutes-page.col.${c}`));
    body.push(el("table", {}, el("thead", {}, el("tr", {}, ...columns.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...data.statistics.groups.map((g) => el("tr", {}, el("td", {}, g.group), el("td", {}, pct(g.present_share)), el("td", {}, pct(g.turn_share)), el("td", {}, pct(g.time_share)))))));
  }
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = t("minutes-page.failed", { error: err.message }); });
