// The one module that owns the websocket: connect, say hello, resume, reconnect.
//
// Phones lock their screens and venue Wi-Fi drops.  This module reconnects with
// jittered exponential backoff, and at once when the page becomes visible again
// (visibilitychange, pageshow) or the network comes back (online).  When the browser
// says the device went offline, the socket is dropped at once (status "offline")
// instead of waiting for a ping to find out.  A ping every 20 s while visible, and
// a command whose answer is late, notice a socket that died silently.  Views are
// whole, so resuming is just saying hello again: the server answers with the newest
// views.
//
// Nothing is ever queued for later: request() refuses at once (code "offline") unless
// the socket is open and answering.  A tap sent into a dead connection could arrive
// long after it made sense ("Lower hand" after you were given the floor).  With the
// ``proveAfterQuietMs`` option (the phone), a command after a quiet spell goes out only
// once a ping came back; if the answer was slow and the meeting moved on meanwhile, it
// is refused (code "stale") rather than sent on what the person saw before.  One
// exception: a page whose socket has not had its first welcome yet lets a tap wait for it,
// up to FIRST_CONNECT_MS (nothing on the page can be stale before then).
//
// Events (EventTarget): "status" {detail: status}, "message" {detail: message}.
// Status is one of: connecting, open, stalled (open, but a command got no answer in
// time: checking with a ping), offline, reconnecting, closed.
//
// A refused command rejects with an Error carrying the server's ``code``, ``field`` and
// ``params`` (what errorText() needs to word error.<code> in the reader's language); the
// socket's own refusals (offline, stale, lost) and the connection's state are worded from the
// common catalogue (common.refused.*, common.connection.*) when the page loaded it, else English.
import { t, has, serverText, onLanguageChange } from "./i18n.js";

/** ``key``'s words when a catalogue has them, else ``english`` (a page that loads no catalogue). */
const worded = (key, english) => (has(key) ? t(key) : english);

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const PING_EVERY_MS = 20000;
const PONG_WITHIN_MS = 8000;
const ACK_WITHIN_MS = 5000;  // acks take tens of milliseconds; longer than this and the socket is suspect
const SLOW_PONG_MS = 1000;  // a pong slower than this: the link was stalling, the page may be out of date
const FIRST_CONNECT_MS = 8000;  // how long a tap made before the page's first welcome may wait for it

export class PlazaSocket extends EventTarget {
  /**
   * @param {() => object} hello builds the hello message (called on every connect).
   * @param {{proveAfterQuietMs?: number}} options ``proveAfterQuietMs``: after this long without
   *   a word from the server, a command waits for a ping's answer before it goes (0: never).
   */
  constructor(hello, { proveAfterQuietMs = 0 } = {}) {
    super();
    this.hello = hello;
    this.proveAfterQuietMs = proveAfterQuietMs;
    this.lastHeard = 0;  // performance.now() of the last message from the server
    this.alive = [];  // waiting for a sign of life: called with true (a message came) or false (the socket went)
    this.status = "connecting";
    this.firstWait = true;  // never connected yet: a tap may wait for the first welcome (once, briefly)
    this.lastSeq = 0;
    this.ws = null;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map();
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = false;
    this.clockOffset = 0;  // server time minus this device's time, in ms (deadlines are server time)
    const wake = () => { if (document.visibilityState !== "hidden") this.reconnectNow(); };
    document.addEventListener("visibilitychange", wake);
    window.addEventListener("pageshow", wake);
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.dropNow());
  }

  /** The device went offline: give up the socket now (its sends would only pile up), reconnect when back. */
  dropNow() {
    if (this.stopped) return;
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.failPending();
    if (ws) {
      try { ws.close(4001, "offline"); } catch { /* already closing */ }
    }
    this.setStatus("offline");
    clearTimeout(this.retryTimer);
    this.scheduleRetry();  // the online event reconnects at once; this is in case it never comes
  }

  /** Settle whoever waits for a sign of life. */
  heard(alive) {
    for (const done of this.alive.splice(0)) done(alive);
  }

  failPending() {
    this.heard(false);
    const lost = Object.assign(
      new Error(worded("common.refused.lost", "The connection dropped before the server answered: check whether it went through.")),
      { code: "lost" },
    );
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(lost);
    }
    this.pending.clear();
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws?format=json`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastHeard = performance.now();
      const hello = { ...this.hello(), type: "hello" };
      if (this.lastSeq) hello.last_seq = this.lastSeq;
      ws.send(JSON.stringify(hello));
      // Not "open" yet: until the welcome (and the fresh views right behind it) the page still
      // shows what it had before the drop, and a tap on that must not go out.
      this.schedulePing();
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearTimeout(this.pingTimer);
      clearTimeout(this.pongTimer);
      this.failPending();
      if (this.stopped || event.code === 1008) {
        this.setStatus("closed");
        return;
      }
      this.setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      this.scheduleRetry();
    };
  }

  /** Stop for good (meeting ended, or the server refused us). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws) this.ws.close(1000);
    this.setStatus("closed");
  }

  /** Reconnect from scratch (e.g. after the token changed). */
  restart() {
    this.stopped = false;
    const old = this.ws;
    this.ws = null;
    if (old) old.close(1000);
    this.connect();
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      // The socket may be dead after a screen lock: prove it with a ping.
      if (this.ws.readyState === WebSocket.OPEN) this.ping();
      return;
    }
    this.attempt = 0;
    this.connect();
  }

  scheduleRetry() {
    // Full jitter: a hall of phones coming back from a Wi-Fi drop must not knock all at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  schedulePing() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (document.visibilityState !== "hidden") this.ping();
      this.schedulePing();
    }, PING_EVERY_MS);
  }

  ping() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => { if (this.ws === ws) ws.close(4000, "no pong"); }, PONG_WITHIN_MS);
    ws.send(JSON.stringify({ type: "ping" }));
  }

  /** Whether a command sent now would go out on a live socket. */
  get connected() {
    return this.status === "open" && navigator.onLine !== false && Boolean(this.ws) && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Send a command; resolves with its ack, rejects with the server's error.  Refused at once
   * (code "offline", nothing sent) unless the socket is open and answering: never queued.
   */
  request(type, fields = {}) {
    return new Promise((resolve, reject) => {
      const refuse = (code, text) => reject(Object.assign(new Error(text), { code }));
      const notConnected = () => refuse("offline", navigator.onLine === false || this.status === "offline"
        ? worded("common.refused.offline", "Not sent: this device is offline. Try again when the connection is back.")
        : worded("common.refused.no_connection", "Not sent: no connection to the meeting right now. Try again when it is back."));
      if (!this.connected && this.firstWait && this.status === "connecting" && navigator.onLine !== false) {
        // The page has just loaded and its socket is still saying hello: nothing can be stale yet,
        // so a quick first tap ("Join") waits for the welcome (a few seconds at most) instead of failing.
        this.afterFirstWelcome().then(() => this.request(type, fields).then(resolve, reject));
        return;
      }
      if (!this.connected) { notConnected(); return; }
      const quiet = performance.now() - this.lastHeard;
      if (!this.proveAfterQuietMs || quiet < this.proveAfterQuietMs) {
        this.sendCommand(type, fields, resolve, reject);
        return;
      }
      // A quiet spell: prove the socket is alive before trusting it with a command.
      const seq = this.lastSeq;
      const asked = performance.now();
      this.alive.push((alive) => {
        if (!alive || !this.connected) { notConnected(); return; }
        if (performance.now() - asked > SLOW_PONG_MS && this.lastSeq !== seq) {
          refuse("stale", worded("common.refused.stale", "Not sent: the meeting moved on while the connection was slow. Check, and try again."));
          return;
        }
        this.sendCommand(type, fields, resolve, reject);
      });
      if (this.alive.length === 1) this.ping();
    });
  }

  /** Resolves at the first welcome, or when that takes too long (then taps are refused as usual). */
  afterFirstWelcome() {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.removeEventListener("status", check); resolve(); };
      const check = () => { if (!this.firstWait || this.status !== "connecting") done(); };
      const timer = setTimeout(() => { this.firstWait = false; done(); }, FIRST_CONNECT_MS);
      this.addEventListener("status", check);
    });
  }

  /** Put a command on the open socket; its answer settles ``resolve``/``reject`` (see receive). */
  sendCommand(type, fields, resolve, reject) {
    const id = this.nextId++;
    const ws = this.ws;
    // No answer in time: the socket may be dead without knowing it. Stop sending and check.
    const timer = setTimeout(() => {
      if (this.ws !== ws || !this.pending.has(id)) return;
      this.setStatus("stalled");
      this.ping();
    }, ACK_WITHIN_MS);
    this.pending.set(id, { resolve, reject, timer });
    ws.send(JSON.stringify({ ...fields, type, id }));
  }

  receive(data) {
    let message;
    try { message = JSON.parse(data); } catch { return; }
    this.lastHeard = performance.now();
    if (message.type === "pong") {
      clearTimeout(this.pongTimer);
      this.heard(true);  // everything the server sent before it has arrived too
    }
    if (message.type === "welcome") this.firstWait = false;
    if (message.type === "welcome" || this.status === "stalled") this.setStatus("open");  // (stalled: it answers after all)
    if (typeof message.server_time === "number") this.clockOffset = message.server_time * 1000 - Date.now();
    if (message.type === "view" && message.seq > this.lastSeq) this.lastSeq = message.seq;
    const waiting = message.id !== undefined && this.pending.get(message.id);
    if (waiting) {
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.type === "error") {
        // Its params go with it: error.<code> may name a table, a limit, a topic.
        waiting.reject(Object.assign(new Error(message.message), { code: message.code, field: message.field, params: message.params }));
      } else {
        waiting.resolve(message);
      }
    }
    this.dispatchEvent(new CustomEvent("message", { detail: message }));
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }
}

const STATUS_TEXT = {
  connecting: "Connecting…",
  open: "",
  reconnecting: "Reconnecting…",
  stalled: "No answer from the meeting. Checking the connection…",
  offline: "You're offline: nothing is sent until the connection is back.",
  closed: "Disconnected.",
};

/**
 * Show the socket's state in ``element`` (a role="status" region), plainly, including read-only spells:
 * in the page's language when it loaded the common catalogue (worded again when the language changes).
 */
export function showStatus(socket, element) {
  let readOnly = null;  // the server's status message while the meeting is read-only
  const render = () => {
    const status = socket.status;
    const text = status === "open" ? (readOnly ? serverText(readOnly.message_key, readOnly.message_params, readOnly.message) : "")
      : worded(`common.connection.${status}`, STATUS_TEXT[status] ?? "");
    element.textContent = text;
    element.hidden = !text;
    element.dataset.status = socket.status;
  };
  socket.addEventListener("status", render);
  socket.addEventListener("message", ({ detail: message }) => {
    if (message.type === "status") {
      readOnly = message.read_only ? message : null;
      render();
    }
    if (message.type === "welcome") {
      readOnly = null;  // a fresh hello: the server re-sends the status if still read-only
      render();
    }
  });
  onLanguageChange(render);
  render();
}

/** Seconds left until a server-time ``deadline`` (may be negative), by this socket's clock offset. */
export function secondsLeft(socket, deadline) {
  return deadline - (Date.now() + socket.clockOffset) / 1000;
}

/** "1:05", or "−0:12" once over time. */
export function clock(seconds) {
  const whole = Math.ceil(Math.abs(seconds) - 0.001);
  const text = `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  return seconds < 0 ? `−${text}` : text;
}

/** Shorthand for document.querySelector. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** Build an element: el("li", {class: "x", "aria-label": "..."}, "text", child).  Text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/**
 * Empty these inputs after what they held was sent and acknowledged, unless someone typed in
 * the meantime: a facilitator adding items in a row must not lose the next one to the ack.
 * ``sent`` is a snapshot from ``values(inputs)`` taken when the command went out.
 */
export function clearSent(inputs, sent) {
  inputs.forEach((input, i) => { if (input.value === sent[i]) input.value = ""; });
}

export const values = (inputs) => inputs.map((input) => input.value);

// keyed() lives in render.js with the other in-place rendering helpers; pages import it from either.
export { keyed, keepFocus, setText, syncValue } from "./render.js";

/** A short vibration where the device and browser allow it (never throws). */
export function vibrate(pattern) {
  try {
    if (navigator.vibrate) navigator.vibrate(pattern);
  } catch { /* not allowed here */ }
}

/** Keep the screen on while the page is visible (a big screen, a room's device); re-taken when it comes back. */
export function keepAwake() {
  if (!("wakeLock" in navigator)) return;
  let lock = null;
  const take = async () => {
    if (lock || document.visibilityState !== "visible") return;
    try {
      lock = await navigator.wakeLock.request("screen");
      lock.addEventListener("release", () => { lock = null; });
    } catch { lock = null; /* refused (battery saver, no user gesture yet): try again on the next visit */ }
  };
  document.addEventListener("visibilitychange", take);
  document.addEventListener("click", take);  // some browsers want a gesture first
  take();
}

/** Make ``button`` toggle full screen for the page (hidden where full screen is not available). */
export function fullscreenButton(button, target = document.documentElement) {
  if (!document.fullscreenEnabled) { button.hidden = true; return; }
  const label = () => {
    button.textContent = document.fullscreenElement ? "Exit full screen" : "Full screen";
  };
  button.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else target.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", label);
  label();
}
