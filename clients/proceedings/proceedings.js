// An Open Space's proceedings, printable: rendered from /api/meetings/{id}/proceedings.json as text
// (never HTML from the server). The print stylesheet drops the buttons and keeps reports whole.
import { el, $ } from "/static/shared/socket.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const base = `/api/meetings/${encodeURIComponent(meetingId)}/proceedings`;
$("#md-link").href = `${base}.md`;
$("#json-link").href = `${base}.json`;
$("#print").addEventListener("click", () => window.print());
const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "");
const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");

function wall(data) {
  const slots = data.wall.filter((s) => s.topics.length);
  if (!slots.length) return [el("p", {}, "No topic was placed on the wall.")];
  const rows = [];
  for (const s of slots) {
    s.topics.forEach((t, i) => {
      const co = t.coconveners.length ? ` with ${t.coconveners.join(", ")}` : "";
      rows.push(el("tr", {},
        i === 0 ? el("th", { scope: "rowgroup", rowspan: s.topics.length }, `${hm(s.start)}–${hm(s.end)}${s.started_at ? "" : " (not run)"}`) : null,
        el("td", {}, el("strong", {}, t.title), t.description ? el("div", { class: "muted" }, t.description) : null),
        el("td", {}, t.space),
        el("td", {}, `${t.convener}${co}`),
        el("td", {}, `${t.interest} interested, ${t.came} came`)));
    });
  }
  return [el("table", { class: "wall" },
    el("caption", { class: "muted" }, "Each slot, its topics, where they met and who convened them"),
    el("thead", {}, el("tr", {}, ...["Slot", "Topic", "Space", "Convener", "People"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows))];
}

function report(r) {
  const parts = [el("h3", {}, r.title),
    el("p", {}, `Reporter: ${r.reporter}. Took part: ${r.participants.join(", ") || "nobody recorded"}.`)];
  for (const [key, label] of [["key_points", "Key points"], ["proposals", "Proposals"], ["next_steps", "Next steps"]]) {
    if (r[key]) parts.push(el("p", {}, el("strong", {}, `${label}:`)), el("blockquote", {}, r[key]));
  }
  return el("section", { class: "report", "aria-label": `Report: ${r.title}` }, ...parts);
}

function render(data) {
  const m = data.meeting;
  $("#title").textContent = `Proceedings: ${m.title}`;
  document.title = `Proceedings: ${m.title} — Plaza`;
  $("#when").textContent = m.ended_at ? `Ended ${when(m.ended_at)}` : `In progress — as of ${when(m.as_of)}`;
  if (!data.open_space) {
    $("#body").replaceChildren(el("p", {}, "This meeting has no Open Space."));
    return;
  }
  const body = [];
  if (data.theme) body.push(el("p", { class: "theme" }, data.theme));
  body.push(el("h2", {}, "The wall"), ...wall(data));
  body.push(el("h2", {}, "Reports"));
  body.push(...(data.reports.length ? data.reports.map(report) : [el("p", {}, "No reports were written.")]));
  body.push(el("h2", {}, "Dot-vote ranking"));
  body.push(data.ranking.length
    ? el("ol", { class: "ranking" }, ...data.ranking.map((p) => el("li", {}, `${p.title} — ${p.dots} ${p.dots === 1 ? "dot" : "dots"}`)))
    : el("p", {}, data.dots ? "Dot-voting has not closed." : "There was no dot-voting."));
  body.push(el("h2", {}, "Adopted priorities"));
  body.push(data.adopted.length
    ? el("ul", {}, ...data.adopted.map((p) => el("li", {}, el("strong", {}, p.title), `: adopted by ${p.adopted_by.join(", ")}`)))
    : el("p", {}, "No priority has been adopted."));
  $("#body").replaceChildren(...body);
}

fetch(`${base}.json`).then(async (response) => {
  if (!response.ok) throw new Error((await response.json()).message || response.statusText);
  render(await response.json());
}).catch((err) => { $("#title").textContent = `The proceedings can't be loaded: ${err.message}`; });
