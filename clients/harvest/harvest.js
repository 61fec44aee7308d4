// A World Café's harvest, printable: rendered from /api/meetings/{id}/harvest.json as text (never
// HTML from the server): every round's question and seating, each table's key ideas (the
// strongest marked) and its host's summary, and the most starred ideas.
import { el, $ } from "/static/shared/socket.js";
import { t, tn, formatList, language, loadCatalogues, translatePage, timeLocales } from "/static/shared/i18n.js";

// Printable: in the language of ?lang= or the browser's (clients/i18n/harvest/); ideas, names and
// summaries are people's own words, shown as written.
await loadCatalogues(["common", "harvest"]);
if (language() !== "en") {  // English is the page as written
  translatePage(document);
  document.title = t("harvest.doc_title");
}
const names = (list) => (language() === "en" ? list.join(", ") : formatList(list));

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/harvest`;
// The Markdown in the page's language too (the English is the record as written).
$("#md-link").href = ["en", "qps"].includes(language()) ? `${base}.md` : `${base}.md?lang=${language()}`;
$("#json-link").href = `${base}.json`;
$("#print").addEventListener("click", () => window.print());
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" }) : "");
const stars = (n) => tn("harvest.stars", n);
// A table as a heading names it ("Table 7 — Oak") or a sentence does ("table 7 — Oak"), in the page's
// language; the table's name as written. A record without its number and name keeps the server's words.
const tableWords = (x, sentence) => {
  if (x.number == null || !("name" in x)) return sentence ? x.label : x.title;
  const key = sentence ? "harvest.table.label" : "harvest.table.title";
  return x.name ? t(`${key}_named`, { number: x.number, name: x.name }) : t(key, { number: x.number });
};

function round(r) {
  const heading = !r.started_at ? t("harvest.round.not_held", { round: r.round })
    : r.ended_at ? t("harvest.round.range", { round: r.round, start: hm(r.started_at), end: hm(r.ended_at) })
      : t("harvest.round.from", { round: r.round, start: hm(r.started_at) });
  return el("section", { class: "report", "aria-label": t("harvest.round", { round: r.round }) },
    el("h3", {}, heading),
    r.question ? el("p", { class: "theme" }, r.question) : null,
    el("table", { class: "wall" },
      el("caption", { class: "muted" }, t("harvest.round.caption", { round: r.round })),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("harvest.col.table")), el("th", { scope: "col" }, t("harvest.col.people")))),
      el("tbody", {}, ...r.tables.map((x) => el("tr", {}, el("th", { scope: "row" }, tableWords(x)), el("td", {}, names(x.people) || t("harvest.nobody")))))));
}

function table(x) {
  const parts = [el("h3", {}, tableWords(x)), el("p", {}, x.host ? t("harvest.host", { name: x.host }) : t("harvest.no_host"))];
  if (x.notes.length) {
    parts.push(el("ul", { class: "ideas" }, ...x.notes.map((n) => el("li", { class: n.strong ? "strong" : "" },
      n.strong ? el("strong", {}, `★ ${n.text}`) : n.text,
      el("span", { class: "muted" }, ` — ${n.stars ? t("harvest.idea_stars", { round: n.round, name: n.by, stars: stars(n.stars) })
        : t("harvest.idea", { round: n.round, name: n.by })}`)))));
  } else {
    parts.push(el("p", { class: "muted" }, t("harvest.no_ideas")));
  }
  if (x.summary) parts.push(el("p", {}, el("strong", {}, t("harvest.summary"))), el("blockquote", {}, x.summary));
  return el("section", { class: "report", "aria-label": tableWords(x) }, ...parts);
}

function render(data) {
  $("#title").textContent = t("harvest.heading", { title: data.title });
  document.title = t("harvest.doc_of", { title: data.title });
  const cafe = data.cafe;
  if (!cafe) {
    $("#body").replaceChildren(el("p", {}, t("harvest.no_cafe")));
    return;
  }
  const body = [];
  if (cafe.seating) {
    const s = cafe.seating;
    body.push(el("p", { class: "muted" }, tn("harvest.seating", s.repeats, { mean: String(s.random_mean), bound: String(s.lower_bound) })));
  }
  const ranking = cafe.harvest && cafe.harvest.ranking ? cafe.harvest.ranking : [];
  const named = new Map(cafe.tables.map((x) => [x.table, x.name]));
  const label = (i) => tableWords(named.has(i.table) ? { ...i, name: named.get(i.table) } : i, true);
  body.push(el("h2", {}, t("harvest.most_starred")));
  body.push(ranking.length
    ? el("ol", { class: "ranking" }, ...ranking.map((i) => el("li", {}, i.text, el("span", { class: "muted" }, ` — ${label(i)}, ${stars(i.stars)}`))))
    : el("p", {}, t(cafe.harvest && !cafe.harvest.closed ? "harvest.open" : "harvest.none_starred")));
  body.push(el("h2", {}, t("harvest.rounds")), ...(cafe.rounds.length ? cafe.rounds.map(round) : [el("p", {}, t("harvest.no_rounds"))]));
  body.push(el("h2", {}, t("harvest.tables")), ...(cafe.tables.length ? cafe.tables.map(table) : [el("p", {}, t("harvest.no_tables"))]));
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = t("harvest.failed", { error: err.message }); });
