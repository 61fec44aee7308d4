// An Open Space's proceedings, printable: rendered from /api/meetings/{id}/proceedings.json as text
// (never HTML from the server). The print stylesheet drops the buttons and keeps reports whole.
import { el, $ } from "/static/shared/socket.js";
import { t, tn, formatList, language, loadCatalogues, translatePage, timeLocales } from "/static/shared/i18n.js";

// Printable: in the language of ?lang= or the browser's (clients/i18n/proceedings/); topics, reports
// and names are people's own words, shown as written.
await loadCatalogues(["common", "proceedings"]);
const english = language() === "en";
if (!english) {  // English is the page as written
  translatePage(document);
  document.title = t("proceedings.doc_title");
}
const names = (list) => (english ? list.join(", ") : formatList(list));

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/proceedings`;
// The Markdown in the page's language too (the English is the record as written).
$("#md-link").href = ["en", "qps"].includes(language()) ? `${base}.md` : `${base}.md?lang=${language()}`;
$("#json-link").href = `${base}.json`;
$("#print").addEventListener("click", () => window.print());
const when = (iso) => (iso ? new Date(iso).toLocaleString(timeLocales(), { dateStyle: "medium", timeStyle: "short" }) : "");
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" }) : "");

function wall(data) {
  const slots = data.wall.filter((s) => s.topics.length);
  if (!slots.length) return [el("p", {}, t("proceedings.no_topic"))];
  const rows = [];
  for (const s of slots) {
    s.topics.forEach((topic, i) => {
      const slot = s.started_at ? `${hm(s.start)}–${hm(s.end)}` : t("proceedings.not_run", { start: hm(s.start), end: hm(s.end) });
      rows.push(el("tr", {},
        i === 0 ? el("th", { scope: "rowgroup", rowspan: s.topics.length }, slot) : null,
        el("td", {}, el("strong", {}, topic.title), topic.description ? el("div", { class: "muted" }, topic.description) : null),
        el("td", {}, topic.space),
        el("td", {}, topic.coconveners.length ? t("proceedings.with", { convener: topic.convener, names: names(topic.coconveners) }) : topic.convener),
        el("td", {}, t("proceedings.people", { interest: String(topic.interest), came: String(topic.came) }))));
    });
  }
  return [el("table", { class: "wall" },
    el("caption", { class: "muted" }, t("proceedings.caption")),
    el("thead", {}, el("tr", {}, ...["slot", "topic", "space", "convener", "people"].map((h) => el("th", { scope: "col" }, t(`proceedings.col.${h}`))))),
    el("tbody", {}, ...rows))];
}

function report(r) {
  const parts = [el("h3", {}, r.title),
    el("p", {}, t("proceedings.report_by", { name: r.reporter, names: names(r.participants) || t("proceedings.nobody") }))];
  for (const key of ["key_points", "proposals", "next_steps"]) {
    if (r[key]) parts.push(el("p", {}, el("strong", {}, t(`proceedings.${key}`))), el("blockquote", {}, r[key]));
  }
  return el("section", { class: "report", "aria-label": t("proceedings.report_label", { title: r.title }) }, ...parts);
}

function render(data) {
  const m = data.meeting;
  $("#title").textContent = t("proceedings.heading", { title: m.title });
  document.title = t("proceedings.doc_of", { title: m.title });
  $("#when").textContent = m.ended_at ? t("proceedings.ended", { when: when(m.ended_at) }) : t("proceedings.in_progress", { when: when(m.as_of) });
  if (!data.open_space) {
    $("#body").replaceChildren(el("p", {}, t("proceedings.no_open_space")));
    return;
  }
  const body = [];
  if (data.theme) body.push(el("p", { class: "theme" }, data.theme));
  body.push(el("h2", {}, t("proceedings.wall")), ...wall(data));
  body.push(el("h2", {}, t("proceedings.reports")));
  body.push(...(data.reports.length ? data.reports.map(report) : [el("p", {}, t("proceedings.no_reports"))]));
  body.push(el("h2", {}, t("proceedings.ranking")));
  body.push(data.ranking.length
    ? el("ol", { class: "ranking" }, ...data.ranking.map((p) => el("li", {}, tn("proceedings.dots", p.dots, { title: p.title }))))
    : el("p", {}, t(data.dots ? "proceedings.dots_open" : "proceedings.no_dots")));
  body.push(el("h2", {}, t("proceedings.adopted")));
  body.push(data.adopted.length
    ? el("ul", {}, ...data.adopted.map((p) => el("li", {}, el("strong", {}, p.title), t("proceedings.adopted_by", { names: names(p.adopted_by) }))))
    : el("p", {}, t("proceedings.none_adopted")));
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = t("proceedings.failed", { error: err.message }); });
