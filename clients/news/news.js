// The news wall: every Open Space report as it is written, live. Any phone can open it (and a
// projector): it connects as a phone that has not joined, which gets the phone view with the news
// wall in it (docs/protocol.md, "Open Space"). Reports are shown as text, never parsed as HTML.
import { PlazaSocket, showStatus, el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import {
  t, tn, tnodes, formatList, language, loadCatalogues, translatePage, languagePicker, onLanguageChange, timeLocales,
} from "/static/shared/i18n.js";

// Words come from the news catalogue (clients/i18n/news/), in the reader's language with a picker;
// reports, titles and names are people's own words, shown as written and isolated.
await loadCatalogues(["common", "news"]);
$("#language-slot").append(languagePicker({ id: "language", visibleLabel: false }));

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const proceedingsHref = `/proceedings/${encodeURIComponent(meetingId)}`;
$("#proceedings-link").href = proceedingsHref;

function wordFoot() {
  const link = el("a", { id: "proceedings-link", href: proceedingsHref }, t("news.proceedings"));
  $("#foot").replaceChildren(tnodes("news.foot", { link }));
}
if (language() !== "en") {  // English is the page as written
  translatePage(document);
  wordFoot();
  document.title = t("news.doc_title");
}
let lastView = null;
onLanguageChange(() => {
  wordFoot();
  document.title = t("news.doc_title");
  if (lastView) {
    for (const body of document.querySelectorAll(".report-body")) delete body.dataset.report;  // worded again
    render(lastView);
  }
});
const socket = new PlazaSocket(() => ({ role: "phone", meeting: meetingId }));
showStatus(socket, $("#connection"));

const FIELDS = ["key_points", "proposals", "next_steps"];
const hm = (epoch) => new Date(epoch * 1000).toLocaleTimeString(timeLocales(), { hour: "2-digit", minute: "2-digit" });
const names = (list) => (language() === "en" ? list.join(", ") : formatList(list));
let shown;  // the reports already on the wall (undefined until the first view: those are no news)

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "phone") render(message.data);
  if (message.type === "error" && message.code === "unknown_meeting") {
    socket.stop();
    $("#title").textContent = t("news.no_meeting");
    document.title = t("news.doc_title");
  }
});

function render(phone) {
  lastView = phone;
  const os = phone.openspace;
  setText($("#title"), phone.title ? t("news.heading_of", { title: phone.title }) : t("news.heading"));
  document.title = phone.title ? t("news.doc_of", { title: phone.title }) : t("news.doc_title");
  setText($("#theme"), os ? os.theme : "");
  $("#theme").hidden = !(os && os.theme);
  const news = os ? os.news : [];
  $("#empty").hidden = news.length > 0;
  const fresh = shown ? news.filter((r) => !shown.has(r.topic)) : [];
  shown = new Set(news.map((r) => r.topic));
  // A live region: it changes (and is read out) when a report comes, not when one is edited.
  const newest = news[news.length - 1];
  setText($("#summary"), !os ? t("news.no_open_space")
    : newest ? tn("news.summary", news.length, { title: newest.title }) : t("news.no_report"));
  // Newest first: what was just written is at the top, where a glance lands.
  keyed($("#reports"), [...news].reverse(), (r) => r.topic, () => el("li", { class: "report" },
    el("h2", { class: "report-title" }), el("p", { class: "report-by" }), el("div", { class: "report-body" })), (li, r) => {
    setText(li.querySelector(".report-title"), r.title);
    setText(li.querySelector(".report-by"), t("news.by", { name: r.reporter, time: hm(r.at) }) +
      (r.dots !== null ? ` · ${tn("news.dots", r.dots)}` : ""));
    if (fresh.some((f) => f.topic === r.topic)) li.classList.add("fresh");
    const body = li.querySelector(".report-body");
    const key = JSON.stringify([r.key_points, r.proposals, r.next_steps, r.participants]);
    if (body.dataset.report === key) return;
    body.dataset.report = key;
    const parts = [];
    for (const name of FIELDS) {
      if (r[name]) parts.push(el("h3", {}, t(`news.${name}`)), el("p", { class: "report-text" }, r[name]));
    }
    parts.push(el("p", { class: "report-people" }, t("news.took_part", { names: names(r.participants) || t("news.nobody") })));
    body.replaceChildren(...parts);
  });
  const c = os && os.convergence;
  const ranked = Boolean(c && !c.open && c.priorities.length);
  $("#priorities").hidden = !ranked;
  if (ranked) {
    keyed($("#priority-list"), c.priorities, (p) => p.topic, () => el("li", {},
      el("span", { class: "priority-title" }), el("span", { class: "priority-meta" })), (li, p) => {
      setText(li.children[0], p.title);
      setText(li.children[1], ` — ${tn("news.dots", p.dots)}` +
        (p.adopted_by.length ? ` · ${t("news.taken_forward", { names: names(p.adopted_by) })}` : ""));
    });
  }
}

socket.connect();
