// The console's interpretation section: language channels (add, edit, remove; each in the plenary
// or in an open breakout room), who is live on each, its interpreters, the time since the last
// handover and how many there were; the interpreter and captioner links (capability links, with
// copy buttons); and which channel's captions the big screen shows.
//
// Rows are kept by channel id (keyed()): an edit half-typed in a row survives the views that come
// with every handover and caption.  facilitator.js calls interpretation() once and its render()
// with every facilitator view.
import { el, $, secondsLeft, clock } from "/static/shared/socket.js";
import { keyed, setText, syncValue } from "/static/shared/render.js";

const CARD = `
  <h2 id="in-heading">Interpretation <span id="in-count" class="count"></span></h2>
  <p class="error-text" id="in-error" role="alert"></p>
  <p class="muted in-said" id="in-status" role="status"></p>
  <p class="muted" id="in-media-off" hidden>Audio is off on this server: channels carry captions only.</p>
  <ul id="in-channels" class="in-channels" aria-labelledby="in-heading"></ul>
  <p id="in-none" class="muted">No language channels yet. Add one for each language interpreted.</p>
  <form id="in-add" class="in-form" novalidate>
    <fieldset>
      <legend>New language channel</legend>
      <div class="in-fields">
        <div class="in-field in-grow"><label for="in-name">Name</label>
          <input type="text" id="in-name" maxlength="40" autocomplete="off" placeholder="Español"></div>
        <div class="in-field in-lang"><label for="in-language">Language code</label>
          <input type="text" id="in-language" maxlength="12" autocomplete="off" placeholder="es" aria-describedby="in-language-hint"></div>
        <div class="in-field in-grow"><label for="in-room">Where</label><select id="in-room"></select></div>
      </div>
      <p class="muted hint" id="in-language-hint">A short code like es, en or fr: phones show it next to the name.</p>
      <button type="submit" class="secondary small">Add channel</button>
    </fieldset>
  </form>
  <p class="actions"><button type="button" id="in-links" class="secondary small" aria-expanded="false" aria-controls="in-link-list">Interpreter &amp; captioner links</button></p>
  <ul id="in-link-list" class="plain in-links" hidden aria-label="Interpreter and captioner links"></ul>
  <div class="in-screen">
    <label for="in-screen">Captions on the big screen</label>
    <select id="in-screen"></select>
  </div>`;

export function interpretation({ socket, confirmDialog }) {
  const card = el("section", { class: "card interpretation", id: "interpretation", "aria-labelledby": "in-heading", tabindex: "-1" });
  card.innerHTML = CARD;  // fixed markup; channel and people names are set as text
  $("#audio-home").append(card);
  let view = null;      // the facilitator view's "audio" section
  let rooms = [];       // open breakout rooms: {room, name}
  let links = null;     // channel id -> {interpreter, captioner}

  async function act(type, fields = {}) {
    $("#in-status").textContent = "";
    try {
      const reply = await socket.request(type, fields);
      $("#in-error").textContent = "";
      return reply || true;
    } catch (err) {
      $("#in-error").textContent = err.message;
      return false;
    }
  }

  const roomName = (id) => (!id ? "Plenary" : rooms.find((r) => r.room === id)?.name || `Room ${id}`);

  function roomOptions(select, chosen) {
    const options = [{ room: "", name: "Plenary (the floor)" }, ...rooms];
    // A channel whose room has closed keeps its room listed, so its row still says where it was.
    if (chosen && !rooms.some((r) => r.room === chosen)) options.push({ room: chosen, name: `${chosen} (closed)` });
    const signature = options.map((o) => `${o.room}:${o.name}`).join("\n");
    if (select.dataset.options === signature) return;
    const value = select.value;
    select.dataset.options = signature;
    select.replaceChildren(...options.map((o) => el("option", { value: o.room }, o.name)));
    select.value = options.some((o) => o.room === value) ? value : "";
    delete select.dataset.synced;
  }

  // --- adding ---------------------------------------------------------------------------------

  $("#in-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#in-name").value.trim();
    const language = $("#in-language").value.trim();
    if (!name) { $("#in-error").textContent = "Name the channel first (e.g. Español)."; $("#in-name").focus(); return; }
    const sent = [$("#in-name").value, $("#in-language").value];
    if (await act("add_channel", { name, language, room: $("#in-room").value })) {
      if ($("#in-name").value === sent[0]) $("#in-name").value = "";
      if ($("#in-language").value === sent[1]) $("#in-language").value = "";
      $("#in-status").textContent = `Channel ${name} added.`;
      if (links) showLinks();  // the new channel's links too
    }
  });

  // --- links ----------------------------------------------------------------------------------

  async function showLinks() {
    const reply = await act("channel_links");
    if (!reply) return;
    links = reply.links || {};
    drawLinks();
  }

  $("#in-links").addEventListener("click", async () => {
    const list = $("#in-link-list");
    if (!list.hidden) {
      list.hidden = true;
      $("#in-links").setAttribute("aria-expanded", "false");
      return;
    }
    await showLinks();
    list.hidden = false;
    $("#in-links").setAttribute("aria-expanded", "true");
  });

  async function copy(input, button) {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(input.value);
        ok = true;
      }
    } catch { /* fall through to the old way */ }
    if (!ok) {
      input.focus();
      input.select();
      try { ok = document.execCommand("copy"); } catch { ok = false; }
    }
    setText(button, ok ? "Copied" : "Select and copy");
    setTimeout(() => setText(button, "Copy"), 2000);
  }

  function linkRow(kind, channelName) {
    const input = el("input", { type: "text", readonly: true, class: "in-link", "aria-label": `${kind} link for ${channelName}` });
    const button = el("button", { type: "button", class: "secondary small", "aria-label": `Copy the ${kind.toLowerCase()} link for ${channelName}` }, "Copy");
    button.addEventListener("click", () => copy(input, button));
    input.addEventListener("focus", () => input.select());
    return el("div", { class: "in-link-row" }, el("span", { class: "in-link-kind" }, kind), input, button);
  }

  function drawLinks() {
    const channels = (view?.channels || []).filter((c) => links && links[c.id]);
    keyed($("#in-link-list"), channels, (c) => c.id, (c) => el("li", {},
      el("p", { class: "in-link-name" }), linkRow("Interpreter", c.name), linkRow("Captioner", c.name)), (li, c) => {
      setText(li.children[0], c.language ? `${c.name} (${c.language})` : c.name);
      li.children[1].querySelector("input").value = links[c.id].interpreter;
      li.children[2].querySelector("input").value = links[c.id].captioner;
    });
  }

  // --- the big screen's captions ----------------------------------------------------------------

  $("#in-screen").addEventListener("change", async (event) => {
    const wanted = event.target.value;
    if (!(await act("screen_captions", { channel: wanted }))) {
      event.target.value = view?.screen_captions || "";
    }
  });

  // --- the channels -----------------------------------------------------------------------------

  function channelRow(c) {
    const id = c.id;
    const name = el("input", { type: "text", id: `in-edit-name-${id}`, maxlength: 40, autocomplete: "off" });
    const language = el("input", { type: "text", id: `in-edit-language-${id}`, maxlength: 12, autocomplete: "off" });
    const room = el("select", { id: `in-edit-room-${id}` });
    const form = el("form", { class: "in-form in-edit", novalidate: true },
      el("div", { class: "in-fields" },
        el("div", { class: "in-field in-grow" }, el("label", { for: name.id }, "Name", el("span", { class: "visually-hidden in-of" })), name),
        el("div", { class: "in-field in-lang" }, el("label", { for: language.id }, "Language code", el("span", { class: "visually-hidden in-of" })), language),
        el("div", { class: "in-field in-grow" }, el("label", { for: room.id }, "Where", el("span", { class: "visually-hidden in-of" })), room)),
      el("p", { class: "actions" },
        el("button", { type: "submit", class: "secondary small" }, "Save"),
        el("button", { type: "button", class: "danger small in-remove" }, "Remove channel")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = { channel: id, name: name.value.trim(), language: language.value.trim(), room: room.value };
      if (!fields.name) { $("#in-error").textContent = "A channel needs a name."; name.focus(); return; }
      if (await act("edit_channel", fields)) {
        $("#in-status").textContent = `Channel ${fields.name} saved.`;
        form.closest("details").open = false;
      }
    });
    form.querySelector(".in-remove").addEventListener("click", async () => {
      const current = view.channels.find((x) => x.id === id);
      const ok = await confirmDialog(`Remove the channel ${current?.name || ""}? Its listeners go back to the floor.`, "Remove channel");
      if (ok && await act("remove_channel", { channel: id })) $("#in-status").textContent = "Channel removed.";
    });
    return el("li", { class: "in-channel" },
      el("p", { class: "in-title" }, el("strong", { class: "in-name" }), el("span", { class: "in-where muted" })),
      el("p", { class: "in-live" }, el("span", { class: "in-live-who" }), el("span", { class: "in-since", role: "timer", "aria-live": "off" })),
      el("p", { class: "in-people muted" }),
      el("p", { class: "in-caption muted" }),
      el("details", { class: "settings in-details" }, el("summary", {}, "Edit or remove"), form));
  }

  function updateChannel(li, c) {
    li._channel = c;
    const [title, live, people, caption, details] = li.children;
    const last = (c.captions || []).at(-1);
    caption.hidden = !last;
    setText(caption, last ? `Last caption: “${last.text}”` : "");
    setText(title.children[0], c.language ? `${c.name} (${c.language})` : c.name);
    setText(title.children[1], ` · ${roomName(c.room)}`);
    setText(live.children[0], (c.live ? `Live: ${c.live}` : "Nobody live: the channel is silent")
      + (c.live && c.offer ? " · handover offered" : "") + (c.retour ? " · retour (listeners hear the floor)" : ""));
    live.classList.toggle("on", Boolean(c.live));
    const n = c.handovers || 0;
    setText(people, (c.interpreters?.length ? `Interpreters: ${c.interpreters.join(", ")}` : "No interpreter has joined yet")
      + ` · ${n} handover${n === 1 ? "" : "s"}`);
    const form = details.querySelector("form");
    const [name, language, room] = form.querySelectorAll("input, select");
    roomOptions(room, c.room);
    syncValue(name, c.name);
    syncValue(language, c.language || "");
    syncValue(room, c.room || "");
    details.querySelector("summary").setAttribute("aria-label", `Edit or remove ${c.name}`);
    for (const of of form.querySelectorAll(".in-of")) setText(of, ` of ${c.name}`);  // each row's fields say whose they are
    tickRow(li);
  }

  function tickRow(li) {
    const c = li._channel;
    const since = li.querySelector(".in-since");
    setText(since, c && c.live && c.since ? ` · ${clock(Math.max(0, -secondsLeft(socket, c.since)))} since the last handover` : "");
  }

  setInterval(() => { for (const li of $("#in-channels").children) tickRow(li); }, 1000);

  function render(audio, facilitator) {
    view = audio || null;
    card.hidden = !view;
    if (!view) return;
    const current = facilitator.rooms?.current;
    rooms = current && !current.ended ? (current.rooms || []).filter((r) => !r.closed).map((r) => ({ room: r.room, name: r.name })) : [];
    roomOptions($("#in-room"), "");
    const channels = view.channels || [];
    setText($("#in-count"), channels.length ? `(${channels.length})` : "");
    $("#in-none").hidden = channels.length > 0;
    $("#in-media-off").hidden = view.media !== false;
    keyed($("#in-channels"), channels, (c) => c.id, channelRow, updateChannel);
    const screen = $("#in-screen");
    const options = [{ id: "", name: "None" }, ...channels];
    const signature = options.map((o) => `${o.id}:${o.name}`).join("\n");
    if (screen.dataset.options !== signature) {
      screen.dataset.options = signature;
      screen.replaceChildren(...options.map((o) => el("option", { value: o.id }, o.name)));
      delete screen.dataset.synced;
    }
    syncValue(screen, view.screen_captions || "");
    if (links && !$("#in-link-list").hidden) {
      if (channels.some((c) => !links[c.id])) showLinks();
      else drawLinks();
    }
  }

  return { render };
}
