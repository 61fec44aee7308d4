// The big screen: view-only, shows how to join and who is here.
import { PlazaSocket, showStatus, $ } from "/static/shared/socket.js";

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "screen", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
$("#qr").src = `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg`;

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "screen") render(message.data);
  if (message.type === "error" && ["bad_key", "unknown_meeting"].includes(message.code)) {
    socket.stop();
    $("#title").textContent = message.message;
  }
});

function render(view) {
  $("#title").textContent = view.title;
  document.title = `${view.title} — Plaza screen`;
  $("#code").textContent = view.code;
  $("#address").textContent = view.join_url.replace(/^https?:\/\//, "").replace(/\/j\/[^/]*$/, "");
  $("#present").textContent = view.present;
  $("#present-label").textContent = view.present === 1 ? "person here" : "people here";
  $("#ended").hidden = !view.ended;
}

socket.connect();
