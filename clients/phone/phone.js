// The attendee's phone: join under a name, then follow the meeting.
import { PlazaSocket, showStatus, secondsLeft, clock, $ } from "/static/shared/socket.js";

const code = decodeURIComponent(location.pathname.split("/").pop()).toUpperCase();
const tokenKey = `plaza.token.${code}`;
let me = { status: "guest", participant: null };
let phone = { title: "", present: 0, ended: false, stack: null };
let missing = false;

const socket = new PlazaSocket(() => {
  const hello = { role: "phone", code };
  const token = localStorage.getItem(tokenKey);
  if (token) hello.token = token;
  return hello;
});
showStatus(socket, $("#connection"));

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "view":
      if (message.view === "phone") phone = message.data;
      if (message.view === "me") me = message.data;
      render();
      break;
    case "error":
      if (message.code === "bad_token") localStorage.removeItem(tokenKey);
      if (message.code === "unknown_meeting") { missing = true; socket.stop(); render(); }
      break;
  }
});

function show(id) {
  for (const section of ["join", "joined", "removed", "ended", "missing"]) {
    $(`#${section}`).hidden = section !== id;
  }
}

function render() {
  if (missing) {
    $("#title").textContent = `Code ${code}`;
    show("missing");
    return;
  }
  $("#title").textContent = phone.title || "Joining…";
  document.title = phone.title ? `${phone.title} — Plaza` : "Plaza";
  $("#present").textContent = phone.present;
  if (phone.ended) show("ended");
  else if (me.status === "joined") {
    $("#my-name").textContent = me.participant.name;
    renderStack();
    show("joined");
  } else if (me.status === "removed") show("removed");
  else show("join");
}

const ORDINAL = (n) => (n === 1 ? "You're next" : `You're number ${n} on the stack`);

function renderStack() {
  const stack = phone.stack;
  const speaker = stack && stack.speaker;
  $("#floor-speaker").textContent = speaker ? `${speaker.name} — ${speaker.label}` : "Nobody has the floor.";
  const hand = me.hand;
  $("#hand-down").hidden = Boolean(hand);
  $("#hand-up").hidden = !hand;
  if (hand) {
    $("#my-place").textContent = `${ORDINAL(hand.position)} (${hand.label})`;
    $("#my-reason").textContent = `Why: ${hand.reason}.`;
  }
  $('input[name="kind"][value="new"]').disabled = Boolean(stack && !stack.open);
  $('input[name="kind"][value="direct"]').disabled = !speaker;
  $("#priority").checked = Boolean(me.priority_opted);
  $("#speaking").hidden = !me.speaking;
  tick();
}

function tick() {
  if (!me.speaking) return;
  const left = secondsLeft(socket, me.speaking.deadline);
  const countdown = $("#my-countdown");
  countdown.textContent = clock(left);
  countdown.classList.toggle("over", left < 0);
  const up = $("#time-up");
  if (left < 0 && up.hidden && navigator.vibrate) navigator.vibrate([200, 100, 200]);  // a gentle signal
  up.hidden = left >= 0;
}
setInterval(tick, 250);

async function act(type, fields = {}) {
  const error = $("#hand-error");
  try {
    await socket.request(type, fields);
    error.textContent = "";
  } catch (err) {
    error.textContent = err.message;
  }
}

$("#raise").addEventListener("click", () => {
  const kind = document.querySelector('input[name="kind"]:checked')?.value ?? "new";
  act("raise_hand", { kind });
});
$("#lower").addEventListener("click", () => act("lower_hand"));
$("#priority").addEventListener("change", (event) => act("opt_priority", { opted: event.target.checked }));

$("#join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("#name").value.trim();
  const error = $("#join-error");
  if (!name) { error.textContent = "Please type your name."; $("#name").focus(); return; }
  error.textContent = "";
  $("#join-button").disabled = true;
  try {
    const ack = await socket.request("join", { name });
    localStorage.setItem(tokenKey, ack.token);
  } catch (err) {
    error.textContent = err.message;
    $("#name").focus();
  } finally {
    $("#join-button").disabled = false;
  }
});

$("#rename-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("#rename-error");
  try {
    await socket.request("rename", { name: $("#new-name").value });
    error.textContent = "";
    $("#rename").open = false;
  } catch (err) {
    error.textContent = err.message;
  }
});

$("#rejoin").addEventListener("click", () => {
  localStorage.removeItem(tokenKey);
  me = { status: "guest", participant: null };
  socket.restart();
  render();
});

render();
socket.connect();
