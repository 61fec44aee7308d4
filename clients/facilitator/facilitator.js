// The facilitator's console: who is here, rename, remove, end the meeting.
import { PlazaSocket, showStatus, secondsLeft, clock, $ } from "/static/shared/socket.js";

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "facilitator", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
// The rename form being typed in survives re-renders (people join while you type).
let editing = null; // participant id whose rename form is open
let draft = "";

socket.addEventListener("message", ({ detail: message }) => {
  switch (message.type) {
    case "welcome":
      if (message.links) {
        $("#screen-link").href = message.links.screen_url;
        $("#join-link").href = message.links.join_url;
        $("#join-link").textContent = message.links.join_url.replace(/^https?:\/\//, "");
      }
      break;
    case "view":
      if (message.view === "facilitator") render(message.data);
      break;
    case "error":
      if (["bad_key", "unknown_meeting"].includes(message.code)) {
        socket.stop();
        $("#console-error").textContent = `${message.message} Check the facilitator link you were given.`;
      }
      break;
  }
});

async function act(type, fields) {
  try {
    await socket.request(type, fields);
    $("#console-error").textContent = "";
    return true;
  } catch (err) {
    $("#console-error").textContent = err.message;
    return false;
  }
}

function confirmDialog(text, okLabel) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function render(view) {
  $("#title").textContent = view.title;
  document.title = `${view.title} — Plaza console`;
  $("#code").textContent = view.code;
  $("#present").textContent = view.present;
  $("#nobody").hidden = view.participants.length > 0;
  $("#end").disabled = view.ended;
  $("#ended-note").hidden = !view.ended;
  renderStack(view.stack, view.ended);
  const list = $("#people");
  const active = document.activeElement;
  const focusedRow = active?.closest?.("li")?.dataset.id;
  const focusedClass = active?.className;
  list.replaceChildren(...view.participants.map((p) => personRow(p, view.ended)));
  if (focusedRow) {
    const row = list.querySelector(`li[data-id="${CSS.escape(focusedRow)}"]`);
    const target = editing === focusedRow ? row?.querySelector("input") : row?.querySelector(`button.${focusedClass?.split(" ").pop()}`);
    (target || row?.querySelector("button"))?.focus();
  }
}

let speaker = null;

function renderStack(stack, ended) {
  speaker = stack.speaker;
  $("#speaker").textContent = speaker ? speaker.name : "Nobody";
  $("#speaker-kind").textContent = speaker ? `(${speaker.label})` : "";
  $("#next-speaker").disabled = ended || (!speaker && stack.entries.length === 0);
  $("#end-turn").disabled = $("#extend").disabled = ended || !speaker;
  const list = $("#entries");
  list.replaceChildren(...stack.entries.map((entry, index) => entryRow(entry, index)));
  $("#stack-empty").hidden = stack.entries.length > 0;
  $("#stack-open").checked = stack.open;
  $("#progressive").checked = stack.progressive;
  $("#priority-counts").checked = stack.priority_counts;
  $("#time-limit").value = String(Math.round(stack.time_limit));
  $("#stats").replaceChildren(...stack.statistics.map((row) => {
    const tr = document.createElement("tr");
    for (const text of [row.name, String(row.turns), clock(row.seconds)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  tick();
}

function entryRow(entry, index) {
  const row = $("#entry").content.firstElementChild.cloneNode(true);
  row.querySelector(".name").textContent = entry.name;
  row.querySelector(".kind").textContent = `· ${entry.label}`;
  row.querySelector(".reason").textContent = entry.reason;
  const up = row.querySelector(".up");
  up.setAttribute("aria-label", `Move ${entry.name} up`);
  up.disabled = index === 0;
  up.addEventListener("click", () => act("move_entry", { entry: entry.entry, position: index - 1 }));
  const skip = row.querySelector(".skip");
  skip.setAttribute("aria-label", `Skip ${entry.name}`);
  skip.addEventListener("click", () => act("skip_entry", { entry: entry.entry }));
  const drop = row.querySelector(".drop");
  drop.setAttribute("aria-label", `Take ${entry.name} off the stack`);
  drop.addEventListener("click", () => act("remove_entry", { entry: entry.entry }));
  return row;
}

function tick() {
  const countdown = $("#console-countdown");
  if (!speaker) { countdown.textContent = ""; return; }
  const left = secondsLeft(socket, speaker.deadline);
  countdown.textContent = left < 0 ? `Over time ${clock(left)}` : clock(left);
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 250);

$("#next-speaker").addEventListener("click", () => act("next_speaker", {}));
$("#end-turn").addEventListener("click", () => act("end_turn", {}));
$("#extend").addEventListener("click", () => act("extend_time", { seconds: 60 }));
$("#stack-open").addEventListener("change", (e) => act("set_stack_open", { open: e.target.checked }));
$("#progressive").addEventListener("change", (e) => act("set_stack_settings", { progressive: e.target.checked }));
$("#priority-counts").addEventListener("change", (e) => act("set_stack_settings", { priority_counts: e.target.checked }));
$("#time-limit").addEventListener("change", (e) => act("set_stack_settings", { time_limit: Number(e.target.value) }));

function personRow(person, ended) {
  const row = $("#person").content.firstElementChild.cloneNode(true);
  row.dataset.id = person.id;
  row.classList.toggle("away", !person.present);
  row.querySelector(".name").textContent = person.name;
  row.querySelector(".where").textContent = person.present ? "here" : "away";
  const rename = row.querySelector(".rename");
  const remove = row.querySelector(".remove");
  rename.setAttribute("aria-label", `Rename ${person.name}`);
  remove.setAttribute("aria-label", `Remove ${person.name}`);
  rename.disabled = remove.disabled = ended;
  row.querySelector(".label-text").textContent = `New name for ${person.name}`;
  const form = row.querySelector(".rename-form");
  const input = form.querySelector("input");
  const open = (yes) => {
    editing = yes ? person.id : null;
    draft = person.name;
    form.hidden = !yes;
    if (yes) { input.value = draft; input.focus(); input.select(); }
  };
  if (editing === person.id) { form.hidden = false; input.value = draft; }
  input.addEventListener("input", () => { draft = input.value; });
  rename.addEventListener("click", () => open(true));
  form.querySelector(".cancel").addEventListener("click", () => open(false));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await act("rename_participant", { participant: person.id, name: input.value })) open(false);
  });
  remove.addEventListener("click", async () => {
    if (await confirmDialog(`Remove ${person.name} from the meeting?`, "Remove")) {
      await act("remove_participant", { participant: person.id });
    }
  });
  return row;
}

$("#end").addEventListener("click", async () => {
  if (await confirmDialog("End the meeting for everyone? This can't be undone.", "End meeting")) {
    await act("end_meeting", {});
  }
});

socket.connect();
