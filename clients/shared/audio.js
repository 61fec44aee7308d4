// The browser's side of Plaza's audio: one WebRTC peer per page, to the media process, signalled
// over the page's own websocket (audio_offer -> audio_answer), and WebAudio for what is heard and
// measured.  Pages (phone, room device, big screen, interpreter console) build on AudioPeer.
//
// The peer's m-lines are fixed: transceiver 0 is this page's microphone (sendonly with a mic track,
// else recvonly: the index stays reserved so the media process always finds the mic first), then 8
// recvonly transceivers, the "slots".  The media process fills the slots with whoever this page
// hears (a person in the room, the floor, a language channel) and the server names them in
// `audio_slots`.  No trickle ICE: the offer goes once gathering is complete (at most 3 s), so
// signalling is one request and one answer.
//
// Each slot's remote track goes MediaStreamSource -> GainNode -> AnalyserNode -> the mix.  Chromium
// gives WebAudio silence for a remote WebRTC track unless the same stream also plays in a media
// element (a muted one is enough): checked here in Chromium 156 with a loopback pair, silence
// without the element, sound with it.  The mix goes to the AudioContext's speakers, or (phones,
// `output: "element"`) through a MediaStreamDestination into an <audio> element: a playing media
// element is what lets iOS and Android keep the sound going when the screen locks.
//
// Recovery: the pc failing, or staying disconnected over 3 s, offers again with jittered backoff;
// `audio_restart` from the server (the media process came back) offers again after 0-1 s; a new
// `welcome` (the websocket came back: the server closed our peer with the old socket) too.
//
// For tests, window.plazaAudio has every peer's levels (RMS in dB per slot, -100 for silence), the
// mic's level, and a rolling log of {t, slot, level} (t: epoch ms; slot 0-7, or "mic") sampled
// every 20 ms, so a test can check that sound arrives and measure gaps.
//
// Words (issue #15): a problem is kept as {code, message, key, params}: ``message`` is English (logs,
// an older page), ``key`` a catalogue key, the audio namespace's ``audio.error.<code>`` for what the
// engine words itself, the server's ``error.<code>`` for a refusal; pages word it with
// audioErrorText() in their reader's language.  slotName() words who a slot is the same way.
import { t as translate, has as known } from "/static/shared/i18n.js";

export const SLOTS = 8;
export const SILENT_DB = -100;
const GATHER_MAX_MS = 3000;
const DISCONNECTED_GRACE_MS = 3000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const SAMPLE_EVERY_MS = 20;
const LOG_MAX = 40000;  // 20 ms samples: 100 s of one slot and the mic, or 20 s of all eight

// Refusals that another offer would only repeat: the page says why and audio stays off.
const REFUSED = new Set([
  "media_off", "not_allowed", "device_audio_taken", "bad_sdp", "sdp_too_large", "unknown_channel",
  "source_taken", "bad_field", "unknown_type", "not_joined", "booth_join_first", "bad_key",
]);

/** English words of the problems the engine words itself (the catalogues' audio.error.<code> and error.<code>). */
export const ERROR_WORDS = {
  media_off: "Audio is turned off on this server.",
  media_unavailable: "The audio service is not answering right now. Trying again…",
  device_audio_taken: "This room already has a device with audio on: two speakers in one room make feedback.",
  source_taken: "Another device already sends this sound.",
  audio_rate_limited: "Too many audio attempts: waiting a moment…",
  no_mic: "No microphone could be opened.",
  mic_denied: "The microphone was not allowed. Allow it in the browser's site settings, then try again.",
  insecure: "The microphone needs a secure (https) link. You can still listen.",
  no_webrtc: "This browser cannot play live audio.",
  ice_timeout: "The sound could not connect (the network may block it). Trying again…",
};
// Those the server's catalogue words the same way (its error.<code>); the rest are the audio namespace's.
const SERVER_WORDED = new Set(["media_off", "device_audio_taken"]);

/** A problem the engine words itself: ``code``'s words, else ``fallback`` (an audio.error key and its English). */
function problem(code, fallback = null) {
  if (Object.hasOwn(ERROR_WORDS, code)) {
    return { code, message: ERROR_WORDS[code], key: SERVER_WORDED.has(code) ? `error.${code}` : `audio.error.${code}`, params: {} };
  }
  const [key, message] = fallback || ["audio.error.connection_failed", "The sound connection failed."];
  return { code, message, key, params: {} };
}

/**
 * An audio problem in words: its catalogue key in the reader's language, else its English message.
 * ``word`` and ``has`` are the page's (the big screen words in its own languages).
 */
export function audioErrorText(error, word = translate, has = known) {
  if (!error) return "";
  if (error.key && has(error.key)) return word(error.key, error.params || {});
  if (error.code && has(`error.${error.code}`)) return word(`error.${error.code}`, error.params || {});
  return error.message || "";
}

/** Every peer on the page, and a rolling log of levels, for tests and for the curious. */
const registry = {
  peers: [],
  log: [],
  get peer() { return this.peers.at(-1) || null; },
  get levels() { return this.peer ? [...this.peer.levels] : []; },
  get micLevel() { return this.peer ? this.peer.micLevel : SILENT_DB; },
  get state() { return this.peer ? this.peer.state : "off"; },
  get slots() { return this.peer ? this.peer.slots.map((s) => s && { ...s }) : []; },
  get gains() { return this.peer ? [...this.peer.gains] : []; },
  /** Log entries since ``t`` (epoch ms), optionally for one slot. */
  since(t, slot) { return this.log.filter((e) => e.t >= t && (slot === undefined || e.slot === slot)); },
  clear() { this.log.length = 0; },
};
window.plazaAudio = registry;

const now = () => performance.timeOrigin + performance.now();

function dB(buffer) {
  let sum = 0;
  for (const x of buffer) sum += x * x;
  const rms = Math.sqrt(sum / buffer.length);
  return rms > 1e-5 ? Math.max(SILENT_DB, 20 * Math.log10(rms)) : SILENT_DB;
}

/** Resolves when ICE gathering is complete, or after ``ms`` (whatever was gathered by then goes). */
function gathered(pc, ms) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
}

/** Opus only: the media process forwards Opus and nothing else, and the offer is 2 KB shorter. */
function opusOnly(transceivers) {
  try {
    const codecs = RTCRtpReceiver.getCapabilities("audio").codecs.filter((c) => /^audio\/opus$/i.test(c.mimeType));
    if (!codecs.length) return;
    for (const t of transceivers) t.setCodecPreferences(codecs);
  } catch { /* older browsers: the full list goes, the media process picks Opus */ }
}

/** Whether this page can use a microphone at all (getUserMedia needs https, or localhost). */
export function micPossible() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

export function webrtcPossible() {
  return typeof RTCPeerConnection === "function" && typeof (window.AudioContext || window.webkitAudioContext) === "function";
}

/**
 * One page's audio.  Events: "change" (state, slots, error or mute changed: re-render), "level"
 * (every 20 ms while on: meters).  ``output``: "context" (the AudioContext's speakers) or
 * "element" (an <audio> element plays the mix: phones, for the locked screen).
 */
export class AudioPeer extends EventTarget {
  constructor(socket, { output = "context", element = null, micConstraints = null, slotsWanted = null } = {}) {
    super();
    // How many slots the next offer has: ({mic}) -> 1..SLOTS.  A phone that only listens in the
    // plenary hears at most three voices (its channel, the floor, a remote speaker): fewer idle slots
    // cost the media process less CPU and memory per listener.
    this.slotsWanted = slotsWanted;
    this.offeredSlots = 0;     // how many the current peer connection has
    this.socket = socket;
    this.output = output;
    this.element = element;
    this.micConstraints = micConstraints || { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    this.media = null;         // from the welcome: true, false, or null (not told yet)
    this.iceServers = [];
    this.active = false;       // someone turned audio on and has not turned it off
    this.wantMic = false;
    this.state = "off";        // off, starting, connecting, connected, reconnecting, refused
    this.error = null;         // {code, message} of the last problem, or null
    this.muted = false;
    this.pc = null;
    this.generation = 0;       // each offer's number: late answers to older offers are dropped
    this.attempt = 0;          // backoff step, reset once connected
    this.retryTimer = 0;
    this.disconnectedTimer = 0;
    this.sampler = 0;
    this.slots = Array(SLOTS).fill(null);
    this.levels = Array(SLOTS).fill(SILENT_DB);
    this.gains = Array(SLOTS).fill(1);
    this.gainFor = null;       // (slot label, index) -> gain 0..1: a page's rule, reapplied when slots change
    this.micLevel = SILENT_DB;
    this.micTrack = null;
    this.ctx = null;
    this.nodes = [];
    this.micNodes = null;
    this.buffer = null;
    socket.addEventListener("message", ({ detail }) => this.receive(detail));
    registry.peers.push(this);
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  setState(state, error = undefined) {
    if (error !== undefined) this.error = error;
    if (state === this.state && error === undefined) return;
    this.state = state;
    this.changed();
  }

  get on() {
    return this.active;
  }

  get hasMic() {
    return Boolean(this.micTrack && this.micTrack.readyState === "live");
  }

  // --- WebAudio ------------------------------------------------------------------------------

  /** The AudioContext and the slots' nodes.  Call from a click first: browsers start audio on a gesture. */
  graph() {
    if (this.ctx) {
      if (this.ctx.state === "suspended") this.ctx.resume().catch(() => {});
      return;
    }
    const Context = window.AudioContext || window.webkitAudioContext;
    const ctx = new Context({ latencyHint: "interactive" });
    this.ctx = ctx;
    this.master = ctx.createGain();
    if (this.output === "element" && this.element) {
      const destination = ctx.createMediaStreamDestination();
      this.master.connect(destination);
      this.element.srcObject = destination.stream;
      this.element.play().catch(() => {});
    } else {
      this.master.connect(ctx.destination);
    }
    this.buffer = new Float32Array(1024);
    for (let i = 0; i < SLOTS; i++) {
      const gain = ctx.createGain();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;  // 21 ms at 48 kHz: about one sample period
      gain.connect(analyser);
      analyser.connect(this.master);
      gain.gain.value = this.gains[i];
      this.nodes.push({ gain, analyser, source: null, track: null, player: null });
    }
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
  }

  attach(i, track) {
    const node = this.nodes[i];
    if (!node || !track || node.track === track) return;
    this.detach(i);
    const stream = new MediaStream([track]);
    // Chromium: no sound reaches WebAudio from a remote track unless a media element plays it too.
    const player = new Audio();
    player.muted = true;
    player.srcObject = stream;
    player.play().catch(() => {});
    node.player = player;
    node.track = track;
    node.source = this.ctx.createMediaStreamSource(stream);
    node.source.connect(node.gain);
  }

  detach(i) {
    const node = this.nodes[i];
    if (!node) return;
    if (node.source) node.source.disconnect();
    if (node.player) node.player.srcObject = null;
    node.source = node.player = node.track = null;
    this.levels[i] = SILENT_DB;
  }

  /** A slot's loudness, 0..1 (the floor under the interpretation, a person turned down). */
  setGain(i, value) {
    const g = Math.max(0, Math.min(1, Number(value) || 0));
    this.gains[i] = g;
    const node = this.nodes[i];
    if (node) node.gain.gain.setTargetAtTime(g, this.ctx.currentTime, 0.03);
  }

  /** Apply the page's rule (``gainFor``) to every slot. */
  applyGains() {
    if (!this.gainFor) return;
    this.slots.forEach((slot, i) => this.setGain(i, this.gainFor(slot, i)));
  }

  sample() {
    const t = now();
    const log = registry.log;
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      if (!node.source) continue;
      node.analyser.getFloatTimeDomainData(this.buffer);
      const level = dB(this.buffer);
      this.levels[i] = level;
      log.push({ t, slot: i, level });
    }
    if (this.micNodes) {
      this.micNodes.analyser.getFloatTimeDomainData(this.buffer);
      this.micLevel = this.muted ? SILENT_DB : dB(this.buffer);
      log.push({ t, slot: "mic", level: this.micLevel });
    }
    if (log.length > LOG_MAX) log.splice(0, log.length - LOG_MAX);
    this.dispatchEvent(new Event("level"));
  }

  // --- the microphone --------------------------------------------------------------------------

  async openMic() {
    if (this.hasMic) return this.micTrack;
    if (!micPossible()) throw Object.assign(new Error(ERROR_WORDS.insecure), problem("insecure"));
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints, video: false });
    } catch (err) {
      const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      const code = denied ? "mic_denied" : "no_mic";
      throw Object.assign(new Error(ERROR_WORDS[code]), problem(code));
    }
    this.micTrack = stream.getAudioTracks()[0];
    this.micTrack.enabled = !this.muted;
    const source = this.ctx.createMediaStreamSource(stream);
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);  // measured, never played back: no echo of your own voice
    this.micNodes = { source, analyser };
    this.micTrack.addEventListener("ended", () => { if (this.active) this.changed(); });
    return this.micTrack;
  }

  closeMic() {
    if (this.micTrack) this.micTrack.stop();
    if (this.micNodes) this.micNodes.source.disconnect();
    this.micTrack = null;
    this.micNodes = null;
    this.micLevel = SILENT_DB;
  }

  setMuted(muted) {
    this.muted = Boolean(muted);
    if (this.micTrack) this.micTrack.enabled = !this.muted;
    this.changed();
  }

  // --- on and off ------------------------------------------------------------------------------

  /**
   * Turn audio on (from a click: the AudioContext starts on a gesture).  ``mic``: ask for the
   * microphone now.  Resolves once the offer is on its way; the state says how it goes.
   */
  async start({ mic = false } = {}) {
    if (!webrtcPossible()) {
      this.setState("refused", problem("no_webrtc"));
      return false;
    }
    this.graph();
    this.active = true;
    this.wantMic = mic;
    this.attempt = 0;
    this.setState("starting", null);
    if (mic) {
      try {
        await this.openMic();
      } catch (err) {
        this.wantMic = false;
        this.error = { code: err.code, message: err.message, key: err.key, params: err.params || {} };
        this.changed();
        if (err.code !== "insecure") {  // no microphone: off, and the error says why
          this.active = false;
          this.setState("off");
          return false;
        }
        // Without https: listen anyway, and say why the microphone is not on.
      }
    } else if (this.hasMic) {
      this.closeMic();
    }
    if (!this.sampler) this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    await this.offer();
    return true;
  }

  /** Add or drop the microphone while on (another offer, same slots). */
  async useMic(mic) {
    if (!this.active) return this.start({ mic });
    if (mic && !this.hasMic) {
      try { await this.openMic(); } catch (err) {
        this.error = { code: err.code, message: err.message, key: err.key, params: err.params || {} };
        this.changed();
        return false;
      }
    }
    if (!mic) this.closeMic();
    this.wantMic = mic;
    await this.offer();
    return true;
  }

  /** Turn audio off: the server is told (audio_stop, unless ``tell`` is false), the microphone released. */
  stop({ tell = true } = {}) {
    const was = this.active;
    this.active = false;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    clearTimeout(this.disconnectedTimer);
    clearInterval(this.sampler);
    this.sampler = 0;
    this.closePc();
    this.closeMic();
    this.slots = Array(SLOTS).fill(null);
    if (was && tell && this.socket.connected) this.socket.request("audio_stop", {}).catch(() => {});
    this.setState("off", null);
  }

  closePc() {
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.ontrack = null;
      this.pc.close();
    }
    this.pc = null;
    for (let i = 0; i < this.nodes.length; i++) this.detach(i);
  }

  // --- signalling ----------------------------------------------------------------------------------

  slotCount(mic) {
    const wanted = this.slotsWanted ? Number(this.slotsWanted({ mic })) : SLOTS;
    return Number.isInteger(wanted) ? Math.max(1, Math.min(SLOTS, wanted)) : SLOTS;
  }

  /** Offer again if the page now wants another number of slots (a listening phone sent to a room). */
  reslot() {
    if (!this.active || !this.pc) return;
    const mic = this.wantMic && this.hasMic;
    if (this.slotCount(mic) !== this.offeredSlots) this.offer();
  }

  async offer() {
    const generation = ++this.generation;
    clearTimeout(this.retryTimer);
    clearTimeout(this.disconnectedTimer);
    if (!this.active) return;
    if (this.media === false) {
      this.stop({ tell: false });
      this.setState("refused", problem("media_off"));
      return;
    }
    this.closePc();
    this.setState(this.state === "connected" || this.state === "reconnecting" ? "reconnecting" : "connecting");
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
    this.pc = pc;
    const mic = this.wantMic && this.hasMic ? this.micTrack : null;
    const first = mic ? pc.addTransceiver(mic, { direction: "sendonly" }) : pc.addTransceiver("audio", { direction: "recvonly" });
    const slots = [];
    const count = this.slotCount(Boolean(mic));
    this.offeredSlots = count;
    for (let i = 0; i < count; i++) slots.push(pc.addTransceiver("audio", { direction: "recvonly" }));
    opusOnly([first, ...slots]);
    pc.ontrack = (event) => {
      const i = slots.indexOf(event.transceiver);
      if (i >= 0 && this.pc === pc) this.attach(i, event.track);
    };
    pc.onconnectionstatechange = () => this.pcState(pc);
    let answer;
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, GATHER_MAX_MS);
      if (generation !== this.generation) return;
      answer = await this.socket.request("audio_offer", { sdp: pc.localDescription.sdp, mic: Boolean(mic) });
      if (generation !== this.generation) return;
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (err) {
      if (generation !== this.generation) return;
      this.failed(err);
      return;
    }
    slots.forEach((t, i) => this.attach(i, t.receiver.track));
  }

  /** An offer that went wrong: a refusal stops; anything else is tried again, with backoff. */
  failed(err) {
    const code = err && err.code ? err.code : "internal";
    // The engine's own words for the code, else the server's refusal (error.<code> with its params).
    const error = Object.hasOwn(ERROR_WORDS, code) ? problem(code)
      : err && err.message ? { code, message: err.message, key: `error.${code}`, params: err.params || {} }
        : problem(code, ["audio.error.start_failed", "Audio could not start."]);
    if (REFUSED.has(code)) {
      this.stop({ tell: false });
      this.setState("refused", error);
      return;
    }
    this.error = error;
    this.retry();
  }

  /** Offer again after a jittered backoff (full jitter: a hall of phones must not come back at once). */
  retry(ceiling = null) {
    if (!this.active) return;
    clearTimeout(this.retryTimer);
    const max = ceiling ?? Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    if (ceiling === null) this.attempt += 1;
    this.setState(this.state === "connected" || this.state === "reconnecting" ? "reconnecting" : "connecting");
    this.retryTimer = setTimeout(() => this.offer(), Math.random() * max);
  }

  pcState(pc) {
    if (pc !== this.pc) return;
    const state = pc.connectionState;
    if (state === "connected") {
      clearTimeout(this.disconnectedTimer);
      this.attempt = 0;
      this.setState("connected", null);
    } else if (state === "failed") {
      this.retry();
    } else if (state === "disconnected") {
      // Often back by itself within a second or two (a Wi-Fi hiccup): give it 3 s.
      clearTimeout(this.disconnectedTimer);
      this.disconnectedTimer = setTimeout(() => { if (this.pc === pc && pc.connectionState !== "connected") this.retry(); },
        DISCONNECTED_GRACE_MS);
    }
  }

  receive(message) {
    switch (message.type) {
      case "welcome": {
        const before = this.media;
        if (typeof message.media === "boolean") this.media = message.media;
        if (Array.isArray(message.ice_servers)) this.iceServers = message.ice_servers;
        // The websocket came back: the server closed our peer with the old socket.  Offer again.
        if (this.active) this.retry(1000);
        if (before !== this.media) this.changed();
        break;
      }
      case "audio_answer":
        break;  // the reply to our request: offer() has it
      case "audio_slots":
        if (Array.isArray(message.slots)) {
          this.slots = Array.from({ length: SLOTS }, (_, i) => message.slots[i] || null);
          this.applyGains();
          this.changed();
        }
        break;
      case "audio_state":
        if (!this.active) break;
        if (message.state === "connected") {
          this.attempt = 0;
          this.setState("connected", null);
        } else if (message.state === "failed" && REFUSED.has(message.code)) {
          // Refused once connected (a second device in the room took the floor first): say so, stay off.
          this.stop({ tell: false });
          this.setState("refused", problem(message.code, ["audio.error.refused", "Audio was refused."]));
        } else if (message.state === "failed" || message.state === "closed") {
          // The server dropped this peer (ICE timed out, the media process went away): offer again.
          if (message.code) this.error = problem(message.code, ["audio.error.connection_failed", "The sound connection failed."]);
          this.retry();
        }
        break;
      case "audio_restart":
        if (this.active) this.retry(1000);
        break;
    }
  }
}

/** "▮▮▮▯▯" style meters: a level in dB as a 0..1 share of the bar (-60 dB is empty, 0 dB full). */
export function meterShare(level) {
  return Math.max(0, Math.min(1, (level + 60) / 60));
}

/** A meter element: <meter> reads well to screen readers ("level"), and is cheap to update. */
export function updateMeter(meter, level) {
  const value = Math.round(meterShare(level) * 100);
  if (meter.value !== value) meter.value = value;
}

/**
 * Who a slot is, in words (``word``: the page's t).  The floor and the room's device are worded here
 * (the server names them in English); a channel and a person by their own names.
 */
export function slotName(slot, word = translate) {
  if (!slot) return "";
  if (slot.kind === "floor") return word("audio.slot.floor");
  if (slot.kind === "device") return word("audio.slot.room");
  if (slot.kind === "channel") return slot.name ? word("audio.slot.interpreter_of", { name: slot.name }) : word("audio.slot.interpreter");
  return slot.name || word("audio.slot.someone");
}
