// A World Café's harvest, printable: rendered from /api/meetings/{id}/harvest.json as text (never
// HTML from the server): every round's question and seating, each table's key ideas (the
// strongest marked) and its host's summary, and the most starred ideas.
import { el, $ } from "/static/shared/socket.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/harvest`;
$("#md-link").href = `${base}.md`;
$("#json-link").href = `${base}.json`;
$("#print").addEventListener("click", () => window.print());
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");
const stars = (n) => `${n} ${n === 1 ? "star" : "stars"}`;

function round(r) {
  const when = r.started_at ? ` (${hm(r.started_at)}${r.ended_at ? `–${hm(r.ended_at)}` : ""})` : " (not held)";
  return el("section", { class: "report", "aria-label": `Round ${r.round}` },
    el("h3", {}, `Round ${r.round}${when}`),
    r.question ? el("p", { class: "theme" }, r.question) : null,
    el("table", { class: "wall" },
      el("caption", { class: "muted" }, `Who sat at which table in round ${r.round}`),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Table"), el("th", { scope: "col" }, "People"))),
      el("tbody", {}, ...r.tables.map((t) => el("tr", {}, el("th", { scope: "row" }, t.title), el("td", {}, t.people.join(", ") || "nobody"))))));
}

function table(t) {
  const parts = [el("h3", {}, t.title), el("p", {}, t.host ? `Host: ${t.host}` : "No host")];
  if (t.notes.length) {
    parts.push(el("ul", { class: "ideas" }, ...t.notes.map((n) => el("li", { class: n.strong ? "strong" : "" },
      n.strong ? el("strong", {}, `★ ${n.text}`) : n.text,
      el("span", { class: "muted" }, ` — round ${n.round}, ${n.by}${n.stars ? `, ${stars(n.stars)}` : ""}`)))));
  } else {
    parts.push(el("p", { class: "muted" }, "No ideas were written at this table."));
  }
  if (t.summary) parts.push(el("p", {}, el("strong", {}, "Host's summary:")), el("blockquote", {}, t.summary));
  return el("section", { class: "report", "aria-label": t.title }, ...parts);
}

function render(data) {
  $("#title").textContent = `World Café harvest: ${data.title}`;
  document.title = `World Café harvest: ${data.title} — Plaza`;
  const cafe = data.cafe;
  if (!cafe) {
    $("#body").replaceChildren(el("p", {}, "No World Café was held in this meeting."));
    return;
  }
  const body = [];
  if (cafe.seating) {
    const s = cafe.seating;
    body.push(el("p", { class: "muted" }, `Seating: ${s.repeats} repeated ${s.repeats === 1 ? "pair" : "pairs"} ` +
      `(a random shuffle gives ${s.random_mean} on average; no plan can have fewer than ${s.lower_bound}).`));
  }
  const ranking = cafe.harvest && cafe.harvest.ranking ? cafe.harvest.ranking : [];
  body.push(el("h2", {}, "The most starred ideas"));
  body.push(ranking.length
    ? el("ol", { class: "ranking" }, ...ranking.map((i) => el("li", {}, i.text, el("span", { class: "muted" }, ` — ${i.label}, ${stars(i.stars)}`))))
    : el("p", {}, cafe.harvest && !cafe.harvest.closed ? "The harvest is open: stars are being placed." : "No idea has been starred yet."));
  body.push(el("h2", {}, "Rounds"), ...(cafe.rounds.length ? cafe.rounds.map(round) : [el("p", {}, "No round has been held yet.")]));
  body.push(el("h2", {}, "Tables"), ...(cafe.tables.length ? cafe.tables.map(table) : [el("p", {}, "No table has ideas yet.")]));
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = `The harvest can't be loaded: ${err.message}`; });
