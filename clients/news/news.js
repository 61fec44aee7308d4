// The news wall: every Open Space report as it is written, live. Any phone can open it (and a
// projector): it connects as a phone that has not joined, which gets the phone view with the news
// wall in it (docs/protocol.md, "Open Space"). Reports are shown as text, never parsed as HTML.
import { PlazaSocket, showStatus, el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
$("#proceedings-link").href = `/proceedings/${encodeURIComponent(meetingId)}`;
const socket = new PlazaSocket(() => ({ role: "phone", meeting: meetingId }));
showStatus(socket, $("#connection"));

const FIELDS = [["key_points", "Key points"], ["proposals", "Proposals"], ["next_steps", "Next steps"]];
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const hm = (epoch) => new Date(epoch * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
let shown;  // the reports already on the wall (undefined until the first view: those are no news)

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "phone") render(message.data);
  if (message.type === "error" && message.code === "unknown_meeting") {
    socket.stop();
    $("#title").textContent = "No meeting with that id.";
    document.title = "Plaza — news wall";
  }
});

function render(phone) {
  const os = phone.openspace;
  setText($("#title"), phone.title ? `News wall: ${phone.title}` : "News wall");
  document.title = phone.title ? `News wall: ${phone.title} — Plaza` : "Plaza — news wall";
  setText($("#theme"), os ? os.theme : "");
  $("#theme").hidden = !(os && os.theme);
  const news = os ? os.news : [];
  $("#empty").hidden = news.length > 0;
  const fresh = shown ? news.filter((r) => !shown.has(r.topic)) : [];
  shown = new Set(news.map((r) => r.topic));
  // A live region: it changes (and is read out) when a report comes, not when one is edited.
  const newest = news[news.length - 1];
  setText($("#summary"), !os ? "This meeting has no Open Space yet."
    : newest ? `${plural(news.length, "report")} · newest: ${newest.title}` : "No report yet.");
  // Newest first: what was just written is at the top, where a glance lands.
  keyed($("#reports"), [...news].reverse(), (r) => r.topic, () => el("li", { class: "report" },
    el("h2", { class: "report-title" }), el("p", { class: "report-by" }), el("div", { class: "report-body" })), (li, r) => {
    setText(li.querySelector(".report-title"), r.title);
    setText(li.querySelector(".report-by"), `Reporter: ${r.reporter} · ${hm(r.at)}` + (r.dots !== null ? ` · ${plural(r.dots, "dot")}` : ""));
    if (fresh.some((f) => f.topic === r.topic)) li.classList.add("fresh");
    const body = li.querySelector(".report-body");
    const key = JSON.stringify([r.key_points, r.proposals, r.next_steps, r.participants]);
    if (body.dataset.report === key) return;
    body.dataset.report = key;
    const parts = [];
    for (const [name, label] of FIELDS) {
      if (r[name]) parts.push(el("h3", {}, label), el("p", { class: "report-text" }, r[name]));
    }
    parts.push(el("p", { class: "report-people" }, `Took part: ${r.participants.join(", ") || "nobody recorded"}`));
    body.replaceChildren(...parts);
  });
  const c = os && os.convergence;
  const ranked = Boolean(c && !c.open && c.priorities.length);
  $("#priorities").hidden = !ranked;
  if (ranked) {
    keyed($("#priority-list"), c.priorities, (p) => p.topic, () => el("li", {},
      el("span", { class: "priority-title" }), el("span", { class: "priority-meta" })), (li, p) => {
      setText(li.children[0], p.title);
      setText(li.children[1], ` — ${plural(p.dots, "dot")}` + (p.adopted_by.length ? ` · taken forward by ${p.adopted_by.join(", ")}` : ""));
    });
  }
}

socket.connect();
