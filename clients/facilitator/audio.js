// The console's interpretation section: language channels (add, edit, remove; each in the plenary
// or in an open breakout room), who is live on each, its interpreters, the time since the last
// handover and how many there were; the interpreter and captioner links (capability links, with
// copy buttons); and which channel's captions the big screen shows.
//
// Rows are kept by channel id (keyed()): an edit half-typed in a row survives the views that come
// with every handover and caption.  facilitator.js calls interpretation() once and its render()
// with every facilitator view (and again when the console's language changes).  The words are the
// audio catalogue's (clients/i18n/audio/, audio.console.*): fixed ones carry data-i18n, so the
// engine's translatePage re-words them; the rest are worded in render().
import { el, $, secondsLeft, clock } from "/static/shared/socket.js";
import { keyed, setText, syncValue } from "/static/shared/render.js";
import { t, tn, errorText, translatePage } from "/static/shared/i18n.js";

const A = (key, params) => t(`audio.console.${key}`, params);
/** An element whose fixed words are a catalogue key (re-worded by translatePage on a change of language). */
const words = (tag, attrs, key) => el(tag, { ...attrs, "data-i18n": `audio.console.${key}` }, A(key));

const CARD = `
  <h2 id="in-heading"><span data-i18n="audio.console.heading">Interpretation</span> <span id="in-count" class="count"></span></h2>
  <p class="error-text" id="in-error" role="alert"></p>
  <p class="muted in-said" id="in-status" role="status"></p>
  <p class="muted" id="in-media-off" hidden data-i18n="audio.console.media_off">Audio is off on this server: channels carry captions only.</p>
  <ul id="in-channels" class="in-channels" aria-labelledby="in-heading"></ul>
  <p id="in-none" class="muted" data-i18n="audio.console.none_yet">No language channels yet. Add one for each language interpreted.</p>
  <form id="in-add" class="in-form" novalidate>
    <fieldset>
      <legend data-i18n="audio.console.new_channel">New language channel</legend>
      <div class="in-fields">
        <div class="in-field in-grow"><label for="in-name" data-i18n="audio.console.name">Name</label>
          <input type="text" id="in-name" maxlength="40" autocomplete="off" placeholder="Español"></div>
        <div class="in-field in-lang"><label for="in-language" data-i18n="audio.console.language_code">Language code</label>
          <input type="text" id="in-language" maxlength="12" autocomplete="off" placeholder="es" aria-describedby="in-language-hint" dir="ltr"></div>
        <div class="in-field in-grow"><label for="in-room" data-i18n="audio.console.where">Where</label><select id="in-room"></select></div>
      </div>
      <p class="muted hint" id="in-language-hint" data-i18n="audio.console.language_hint">A short code like es, en or fr: phones show it next to the name.</p>
      <button type="submit" class="secondary small" data-i18n="audio.console.add_channel">Add channel</button>
    </fieldset>
  </form>
  <p class="actions"><button type="button" id="in-links" class="secondary small" aria-expanded="false" aria-controls="in-link-list"
    data-i18n="audio.console.links">Interpreter &amp; captioner links</button></p>
  <ul id="in-link-list" class="plain in-links" hidden aria-label="Interpreter and captioner links" data-i18n-attr="aria-label:audio.console.links_label"></ul>
  <div class="in-screen">
    <label for="in-screen" data-i18n="audio.console.screen_captions">Captions on the big screen</label>
    <select id="in-screen"></select>
  </div>`;

export function interpretation({ socket, confirmDialog }) {
  const card = el("section", { class: "card interpretation", id: "interpretation", "aria-labelledby": "in-heading", tabindex: "-1" });
  card.innerHTML = CARD;  // fixed markup; channel and people names are set as text
  translatePage(card);
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
      $("#in-error").textContent = errorText(err);
      return false;
    }
  }

  const roomName = (id) => (!id ? A("plenary") : rooms.find((r) => r.room === id)?.name || A("room_of", { room: id }));

  function roomOptions(select, chosen) {
    const options = [{ room: "", name: A("plenary_floor") }, ...rooms];
    // A channel whose room has closed keeps its room listed, so its row still says where it was.
    if (chosen && !rooms.some((r) => r.room === chosen)) options.push({ room: chosen, name: A("room_closed", { room: chosen }) });
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
    if (!name) { $("#in-error").textContent = A("name_first"); $("#in-name").focus(); return; }
    const sent = [$("#in-name").value, $("#in-language").value];
    if (await act("add_channel", { name, language, room: $("#in-room").value })) {
      if ($("#in-name").value === sent[0]) $("#in-name").value = "";
      if ($("#in-language").value === sent[1]) $("#in-language").value = "";
      $("#in-status").textContent = A("added", { name });
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
    button.dataset.copied = "";
    setText(button, ok ? A("copied") : A("select_and_copy"));
    setTimeout(() => {
      delete button.dataset.copied;
      setText(button, A("copy"));
    }, 2000);
  }

  /** A link's row: its kind ("interpreter" or "captioner"), the link (read-only, selected on focus), Copy. */
  function linkRow(kind) {
    const input = el("input", { type: "text", readonly: true, class: "in-link", dir: "ltr" });
    const button = el("button", { type: "button", class: "secondary small" }, A("copy"));
    button.addEventListener("click", () => copy(input, button));
    input.addEventListener("focus", () => input.select());
    return el("div", { class: "in-link-row", "data-kind": kind }, el("span", { class: "in-link-kind" }), input, button);
  }

  function wordLinkRow(row, name, url) {
    const kind = row.dataset.kind;
    setText(row.children[0], A(kind));
    const input = row.children[1];
    input.value = url;
    input.setAttribute("aria-label", A(`${kind}_link_for`, { name }));
    const button = row.children[2];
    button.setAttribute("aria-label", A(`copy_${kind}_link`, { name }));
    if (button.dataset.copied === undefined) setText(button, A("copy"));
  }

  function drawLinks() {
    const channels = (view?.channels || []).filter((c) => links && links[c.id]);
    keyed($("#in-link-list"), channels, (c) => c.id, () => el("li", {},
      el("p", { class: "in-link-name" }), linkRow("interpreter"), linkRow("captioner")), (li, c) => {
      setText(li.children[0], c.language ? `${c.name} (${c.language})` : c.name);
      wordLinkRow(li.children[1], c.name, links[c.id].interpreter);
      wordLinkRow(li.children[2], c.name, links[c.id].captioner);
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
    // Each field's label says whose it is (" of Español", visually hidden): its own span, so the engine
    // re-wording the visible word leaves it.
    const label = (input, key) => el("label", { for: input.id }, words("span", {}, key), el("span", { class: "visually-hidden in-of" }));
    language.dir = "ltr";
    const form = el("form", { class: "in-form in-edit", novalidate: true },
      el("div", { class: "in-fields" },
        el("div", { class: "in-field in-grow" }, label(name, "name"), name),
        el("div", { class: "in-field in-lang" }, label(language, "language_code"), language),
        el("div", { class: "in-field in-grow" }, label(room, "where"), room)),
      el("p", { class: "actions" },
        words("button", { type: "submit", class: "secondary small" }, "save"),
        words("button", { type: "button", class: "danger small in-remove" }, "remove_channel")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = { channel: id, name: name.value.trim(), language: language.value.trim(), room: room.value };
      if (!fields.name) { $("#in-error").textContent = A("name_needed"); name.focus(); return; }
      if (await act("edit_channel", fields)) {
        $("#in-status").textContent = A("saved", { name: fields.name });
        form.closest("details").open = false;
      }
    });
    form.querySelector(".in-remove").addEventListener("click", async () => {
      const current = view.channels.find((x) => x.id === id);
      const ok = await confirmDialog(A("remove_confirm", { name: current?.name || "" }), A("remove_channel"));
      if (ok && await act("remove_channel", { channel: id })) $("#in-status").textContent = A("removed");
    });
    return el("li", { class: "in-channel" },
      el("p", { class: "in-title" }, el("strong", { class: "in-name" }), el("span", { class: "in-where muted" })),
      el("p", { class: "in-live" }, el("span", { class: "in-live-who" }), el("span", { class: "in-since", role: "timer", "aria-live": "off" })),
      el("p", { class: "in-people muted" }),
      el("p", { class: "in-caption muted" }),
      el("details", { class: "settings in-details" }, words("summary", {}, "edit_or_remove"), form));
  }

  function updateChannel(li, c) {
    li._channel = c;
    const [title, live, people, caption, details] = li.children;
    const last = (c.captions || []).at(-1);
    caption.hidden = !last;
    setText(caption, last ? A("last_caption", { text: last.text }) : "");
    setText(title.children[0], c.language ? `${c.name} (${c.language})` : c.name);
    setText(title.children[1], ` · ${roomName(c.room)}`);
    setText(live.children[0], [c.live ? A("live", { name: c.live }) : A("nobody_live"),
      ...(c.live && c.offer ? [A("handover_offered")] : []), ...(c.retour ? [A("retour")] : [])].join(" · "));
    live.classList.toggle("on", Boolean(c.live));
    const n = c.handovers || 0;
    setText(people, (c.interpreters?.length ? A("interpreters", { names: c.interpreters.join(t("common.list.separator")) }) : A("no_interpreter"))
      + ` · ${tn("audio.console.handovers", n)}`);
    const form = details.querySelector("form");
    const [name, language, room] = form.querySelectorAll("input, select");
    roomOptions(room, c.room);
    syncValue(name, c.name);
    syncValue(language, c.language || "");
    syncValue(room, c.room || "");
    details.querySelector("summary").setAttribute("aria-label", A("edit_or_remove_name", { name: c.name }));
    for (const of of form.querySelectorAll(".in-of")) setText(of, A("of_channel", { name: c.name }));  // each row's fields say whose they are
    tickRow(li);
  }

  function tickRow(li) {
    const c = li._channel;
    const since = li.querySelector(".in-since");
    setText(since, c && c.live && c.since ? ` · ${A("since_handover", { time: clock(Math.max(0, -secondsLeft(socket, c.since))) })}` : "");
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
    const options = [{ id: "", name: A("none") }, ...channels];
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
