// The big screen: view-only, shows how to join and who is here.
import { PlazaSocket, showStatus, secondsLeft, clock, $ } from "/static/shared/socket.js";

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
  renderStack(view.stack);
}

let speaker = null;

function renderStack(stack) {
  const live = Boolean(stack && (stack.speaker || stack.waiting));
  document.body.classList.toggle("live", live);
  $("#stack-panel").hidden = !live;
  if (!live) { speaker = null; return; }
  speaker = stack.speaker;
  $("#speaker-name").textContent = speaker ? speaker.name : "—";
  $("#speaker-kind").textContent = speaker ? speaker.label : "Waiting for the facilitator to give the floor";
  const list = $("#next-list");
  list.replaceChildren(...stack.next.map((entry) => {
    const item = document.createElement("li");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.name;
    const kind = document.createElement("span");
    kind.className = entry.kind === "new" ? "kind" : "kind priority";
    kind.textContent = entry.label;
    item.append(who, kind);
    return item;
  }));
  const more = stack.waiting - stack.next.length;
  $("#waiting").textContent = stack.waiting ? `(${stack.waiting} on the stack${more > 0 ? `, ${more} more` : ""})` : "(nobody)";
  $("#stack-closed").hidden = stack.open;
  tick();
}

function tick() {
  const countdown = $("#countdown");
  if (!speaker) { countdown.textContent = ""; return; }
  const left = secondsLeft(socket, speaker.deadline);
  countdown.textContent = left < 0 ? `Time is up ${clock(left)}` : clock(left);
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 250);

socket.connect();
