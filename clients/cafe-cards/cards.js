// A World Café's printable table cards: one per table, its number, its name and the QR of the table's
// join link (/j/CODE?room=c7: public, no secret; a phone that scans it joins straight into that table).
// The page connects as the console does (the facilitator's key in the fragment) to get the tables.
// Names are text, never HTML.
import { PlazaSocket, showStatus, el, $, keyed, setText } from "/static/shared/socket.js";
import { t, errorText, language, loadCatalogues, translatePage } from "/static/shared/i18n.js";

// Printable: in the language of ?lang= or the browser's (clients/i18n/cafe-cards/); table names are
// the facilitator's own words, shown as written.
await loadCatalogues(["common", "server", "cafe-cards"]);
if (language() !== "en") {  // English is the page as written
  translatePage(document);
  document.title = t("cafe-cards.doc_title");
}

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
    const words = language() === "en" ? message.message : errorText(message);
    $("#error").textContent = t("cafe-cards.open_from_console", { message: words });
  }
});

function render(view) {
  setText($("#title"), t("cafe-cards.heading_of", { title: view.title }));
  document.title = t("cafe-cards.doc_of", { title: view.title });
  const tables = view.cafe ? view.cafe.tables : [];
  $("#none").hidden = tables.length > 0;
  keyed($("#cards"), tables, (x) => x.table, (x) => {
    const qr = el("img", { class: "card-qr", width: 320, height: 320,
      src: `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg?room=${encodeURIComponent(x.table)}` });
    return el("li", { class: "table-card" },
      el("p", { class: "card-kicker" }, t("cafe-cards.kicker")),
      el("p", { class: "card-number" }), el("h2", { class: "card-name" }), qr,
      el("p", { class: "card-scan" }, t("cafe-cards.scan")),
      el("p", { class: "card-link" }));
  }, (li, x) => {
    setText(li.querySelector(".card-number"), String(x.number));
    setText(li.querySelector(".card-name"), x.name || t("cafe-cards.name", { number: x.number }));
    li.querySelector(".card-qr").alt = x.name ? t("cafe-cards.qr_named", { number: x.number, name: x.name })
      : t("cafe-cards.qr", { number: x.number });
    setText(li.querySelector(".card-link"), joinUrl ? `${joinUrl.replace(/^https?:\/\//, "")}?room=${x.table}` : "");
  });
}

$("#print").addEventListener("click", () => print());
socket.connect();
