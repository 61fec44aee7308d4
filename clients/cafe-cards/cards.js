// A World Café's printable table cards: one per table, its number, its name and the QR of the table's
// join link (/j/CODE?room=c7: public, no secret; a phone that scans it joins straight into that table).
// The page connects as the console does (the facilitator's key in the fragment) to get the tables.
// Names are text, never HTML.
import { PlazaSocket, showStatus, el, $, keyed, setText } from "/static/shared/socket.js";

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "facilitator", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
let joinUrl = "";

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "welcome" && message.links) joinUrl = message.links.join_url;
  if (message.type === "view" && message.view === "facilitator") render(message.data);
  if (message.type === "error" && ["bad_key", "unknown_meeting"].includes(message.code)) {
    socket.stop();
    $("#error").textContent = `${message.message} Open this page from the console's "Print the table cards".`;
  }
});

function render(view) {
  setText($("#title"), `Table cards: ${view.title}`);
  document.title = `Table cards: ${view.title} — Plaza`;
  const tables = view.cafe ? view.cafe.tables : [];
  $("#none").hidden = tables.length > 0;
  keyed($("#cards"), tables, (t) => t.table, (t) => {
    const qr = el("img", { class: "card-qr", width: 320, height: 320,
      src: `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg?room=${encodeURIComponent(t.table)}` });
    return el("li", { class: "table-card" },
      el("p", { class: "card-kicker" }, "Table"),
      el("p", { class: "card-number" }), el("h2", { class: "card-name" }), qr,
      el("p", { class: "card-scan" }, "Scan to join at this table"),
      el("p", { class: "card-link" }));
  }, (li, t) => {
    setText(li.querySelector(".card-number"), String(t.number));
    setText(li.querySelector(".card-name"), t.name || `Table ${t.number}`);
    li.querySelector(".card-qr").alt = `QR code to join at table ${t.number}${t.name ? ` — ${t.name}` : ""}`;
    setText(li.querySelector(".card-link"), joinUrl ? `${joinUrl.replace(/^https?:\/\//, "")}?room=${t.table}` : "");
  });
}

$("#print").addEventListener("click", () => print());
socket.connect();
