// The big screen: view-only, shows how to join and who is here, the assembly, breakout rooms, and
// (openspace.js) the Open Space part while it runs.
import { PlazaSocket, showStatus, secondsLeft, clock, el, $, keepAwake, fullscreenButton } from "/static/shared/socket.js";
import { openSpace } from "/static/screen/openspace.js";
import { cafePart } from "/static/screen/cafe.js";
import { initScreenAudio, renderScreenAudio } from "/static/screen/audio.js";
import { w, say, serverWords, content, contentIn, translateScreen, setScreenLanguages, screenLanguages, phase, setDocumentLanguage, has }
  from "/static/screen/words.js";

// The screen's fixed words: English until the view says otherwise (or ?lang= pins a language).
await setScreenLanguages([], "side");
translateScreen();

const meetingId = location.pathname.split("/").pop();
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const socket = new PlazaSocket(() => ({ role: "screen", meeting: meetingId, key }));
showStatus(socket, $("#connection"));
$("#qr").src = `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg`;
keepAwake();
fullscreenButton($("#fullscreen"));
const fullscreenLabel = () => {
  $("#fullscreen").textContent = w(document.fullscreenElement ? "screen.exit_fullscreen" : "screen.fullscreen");
};
document.addEventListener("fullscreenchange", fullscreenLabel);
fullscreenLabel();
initScreenAudio({ socket });
// The full-screen button is for whoever sets the screen up: out of sight once the mouse rests.
let idleTimer = 0;
function awake() {
  document.body.classList.remove("idle");
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => document.body.classList.add("idle"), 4000);
}
for (const type of ["pointermove", "pointerdown", "keydown"]) addEventListener(type, awake);
awake();

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "screen") render(message.data);
  if (message.type === "error" && ["bad_key", "unknown_meeting"].includes(message.code)) {
    socket.stop();
    $("#title").textContent = serverWords(`error.${message.code}`, message.params, message.message);
  }
});

/** The languages the console chose for the screen (the translations feature's section of the view). */
function languagesOf(view) {
  const chosen = view.translations?.screen || view.screen_languages || null;
  return chosen ? [chosen.languages || [], chosen.mode] : [[], "side"];
}

let wording = Promise.resolve();

function render(view) {
  current = view;
  const [languages, mode] = languagesOf(view);
  const before = screenLanguages();
  if (languages.join() !== before.languages.join() || (mode || "side") !== before.mode) {
    // Catalogues load first (once per language); the latest view is rendered when they are in.
    wording = wording.then(() => setScreenLanguages(languages, mode)).then((changed) => {
      if (changed) reword();
    });
  }
  draw(view);
}

/** The fixed words again, in the screen's language(s) now (a change from the console, or the turn of "alternate"). */
function reword() {
  setDocumentLanguage();
  translateScreen();
  fullscreenLabel();
  if (current) draw(current);
}

function draw(view) {
  $("#title").textContent = content(view.translations, "theme", "title", view.title);
  document.title = w("screen.doc_title", { title: view.title });
  $("#code").textContent = view.code;
  $("#address").textContent = view.join_url.replace(/^https?:\/\//, "").replace(/\/j\/[^/]*$/, "");
  $("#present").textContent = view.present;
  $("#present-label").textContent = w("screen.people_here", { count: view.present });
  $("#ended").hidden = !view.ended;
  current = view;
  // While the Open Space part runs, it has the screen (the assembly's features stay live underneath).
  const openSpaceOn = openspace.render(view.openspace || null, view.translations) | cafe.render(view.cafe || null);  // or the World Café
  renderStack(view.stack);
  renderAgenda(view.agenda, view.translations);
  renderVote(view.vote);
  renderPoint(view.point);
  renderBreakouts(openSpaceOn ? null : view.rooms || null);
  renderScreenAudio(view);
  tick();
  fit();
}

let current = null;
const openspace = openSpace({ socket, relayout: () => fitJoin() });
const cafe = cafePart({ socket, relayout: () => fitJoin() });

function renderAgenda(agenda, translations) {
  const item = agenda && agenda.current;
  $("#item-bar").hidden = !item;
  if (!item) return;
  $("#item-title").textContent = content(translations, "agenda", item.item, item.title);
  const next = agenda.next[0];
  $("#item-next").textContent = next ? w("screen.agenda.next", { title: contentIn(translations, "agenda", next.item, next.title) })
    : w("screen.agenda.last");
}

const KINDS = new Set(["yes", "no", "abstain", "agree", "stand_aside", "block"]);
let voteNames = [];  // [element, names, more] per roll-call line: fit() shows the names that fit

function renderVote(vote) {
  $("#vote-panel").hidden = !vote;
  document.body.classList.toggle("voting", Boolean(vote));
  voteNames = [];
  reasonItems = [];
  if (!vote) return;
  $("#vote-label").textContent = w(`screen.vote.${vote.secret ? "secret" : "open_vote"}_${vote.open ? "open" : "closed"}`);
  $("#vote-question").textContent = content(current?.translations, "vote", vote.vote, vote.question);
  $("#vote-rule").textContent = serverWords(vote.rule_key, vote.rule_params, vote.rule_words);
  const result = vote.result;
  $("#outcome-line").hidden = $("#outcome-words").hidden = !result;
  $("#secret-badge").hidden = !(result && vote.secret);
  if (result) {
    $("#outcome").textContent = has(`screen.outcome.${result.outcome}`) ? w(`screen.outcome.${result.outcome}`) : result.label;
    $("#outcome").className = `outcome-banner ${result.outcome}`;
    $("#outcome-words").textContent = serverWords(result.words_key, result.words_params, result.words);
  }
  // A secret vote shows turnout only while it is open: counts that move ballot by ballot would
  // let the room match a choice to the person seen tapping.
  const counts = vote.secret && vote.open ? null : vote.counts;
  const most = Math.max(1, ...Object.values(counts || {}));
  $("#tally").replaceChildren(...(counts ? vote.choices.map((c) => {
    const n = counts[c.choice] ?? 0;
    const names = !vote.secret && vote.names && vote.names[c.choice];
    const line = names && names.names.length ? el("span", { class: "choice-names" }) : null;
    if (line) voteNames.push([line, names.names, names.more]);
    // A choice ballot's options are free text: only the fixed choices name a colour class.
    return el("li", { class: KINDS.has(c.choice) ? `choice ${c.choice}` : "choice" },
      el("span", { class: "choice-name" }, choiceLabel(c)),
      el("span", { class: "choice-bar", style: `width: ${Math.round((n / most) * 100)}%` }),
      el("span", { class: "choice-n" }, String(n)),
      line);
  }) : []));
  for (const [line, names, more] of voteNames) line.textContent = namesText(names, names.length, more);
  // Side by side, the choice in both languages and the name once ("Bloqueo · Block (Ana):"): a
  // reason's line is short, and the name twice would crowd out the reason itself.
  const labels = Object.fromEntries(vote.choices.map((c) => [c.choice, choiceLabel(c)]));
  reasonsTotal = vote.reasons_total ?? (vote.reasons || []).length;  // the view sends 20 at most
  // The reason itself is the voter's own words: never translated, isolated in its own direction.
  reasonItems = (vote.reasons || []).map((r) => el("li", {},
    el("span", { class: "why" }, r.name && !vote.secret ? w("screen.vote.reason_named", { choice: labels[r.choice], name: r.name })
      : w("screen.vote.reason_by", { choice: labels[r.choice] })), " ", el("bdi", {}, `“${r.reason}”`)));
  showReasons(reasonItems.length);  // fit() shows fewer if they don't all fit, and counts the rest
  const turnout = vote.turnout ?? 0;
  $("#turnout").textContent = say((t) => {
    const ballots = result ? t("screen.vote.ballots_of_present", { count: turnout, present: result.present })
      : t("screen.vote.ballots", { count: turnout });
    return counts ? ballots : t("screen.vote.results_later", { ballots });
  });
}

/** A ballot's fixed choices (yes, block…) in the screen's words; a choice ballot's options are the proposer's own. */
function choiceLabel(c) {
  return KINDS.has(c.choice) ? w(`screen.choice.${c.choice}`) : c.label;
}

let reasonItems = [];  // the reasons sent (up to 20), as list items: fit() shows as many as fit
let reasonsTotal = 0;  // how many were given in all

/** Show the first ``k`` reasons, and the rest as "+N more reasons (in the minutes)": never dropped silently. */
function showReasons(k) {
  const list = $("#reasons");
  const shown = reasonItems.slice(0, k);
  if (list.children.length !== shown.length || shown.some((li, i) => list.children[i] !== li)) list.replaceChildren(...shown);
  const rest = Math.max(reasonsTotal, reasonItems.length) - shown.length;
  $("#reasons-more").hidden = rest <= 0;
  $("#reasons-more").textContent = rest > 0 ? w("screen.vote.reasons_more", { count: rest }) : "";
}

const namesText = (names, k, more) => {
  const rest = names.length - k + more;
  if (!k) return w("screen.people", { count: rest });
  const shown = names.slice(0, k).join(", ");
  return rest ? w("screen.vote.names_more", { names: shown, count: rest }) : shown;
};

function renderPoint(point) {
  $("#point").hidden = !point;
  if (!point) return;
  $("#point-text").textContent = point.text;
  $("#point-meta").textContent = w("screen.point.meta", { author: point.author, count: point.upvotes });
}

/** The room's hand signals, each bucket weighted by how recent it is (they fade over a minute). */
function renderTemperature() {
  const temperature = current && current.temperature;
  if (!temperature) return false;
  const check = temperature.check;
  const checking = check && (secondsLeft(socket, check.deadline) > -30);  // a check's result stays 30 s
  let weights;
  if (checking) {
    weights = check.counts;
    const left = secondsLeft(socket, check.deadline);
    $("#temperature-label").textContent = left > 0 ? w("screen.temperature.check", { question: check.question, clock: clock(left) })
      : w("screen.temperature.check_ended", { question: check.question });
  } else {
    const live = temperature.live;
    const now = (Date.now() + socket.clockOffset) / 1000;
    weights = {};
    for (const signal of ["agree", "unsure", "disagree"]) {
      weights[signal] = live[signal].reduce((sum, n, i) => {
        const age = now - (live.until - i * live.bucket);
        return sum + n * Math.max(0, 1 - age / live.fade);
      }, 0);
    }
    $("#temperature-label").textContent = w("screen.temperature.room");
  }
  const total = weights.agree + weights.unsure + weights.disagree;
  const show = total > 0.05;
  for (const signal of ["agree", "unsure", "disagree"]) {
    $(`#t-${signal}`).style.width = `${show ? Math.round((weights[signal] / total) * 100) : 0}%`;
    $(`#n-${signal}`).textContent = checking ? String(weights[signal]) : "";
  }
  if ($("#temperature").hidden === show) {
    $("#temperature").hidden = !show;
    requestAnimationFrame(fit);
  }
  return show;
}

let speaker = null;
let stackNow = null;

function renderStack(stack) {
  const live = Boolean(stack && (stack.speaker || stack.waiting));
  $("#stack-panel").hidden = !live;
  stackNow = live ? stack : null;
  if (!live) { speaker = null; return; }
  speaker = stack.speaker;
  $("#speaker-name").textContent = speaker ? speaker.name : "—";
  $("#speaker-kind").textContent = speaker ? kindLabel(speaker) : w("screen.stack.waiting_floor");
  $("#next-list").parentElement.classList.toggle("empty", stack.next.length === 0);
  $("#stack-panel").classList.toggle("alone", stack.next.length === 0);
  $("#waiting").textContent = stack.waiting ? w("screen.stack.on_stack", { count: stack.waiting }) : w("screen.stack.nobody");
  $("#stack-closed").hidden = stack.open;
  showNext(stack.next.length);
  tick();
}

/** Show the first ``rows`` people waiting by name, and the rest as "+N more". */
function showNext(rows) {
  const stack = stackNow;
  if (!stack) return;
  const shown = stack.next.slice(0, rows);
  const list = $("#next-list");
  const labels = shown.map(kindLabel);
  const key = JSON.stringify([shown, labels]);
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...shown.map((entry, i) => el("li", {},
      el("bdi", { class: "who" }, entry.name), " ",
      el("span", { class: entry.kind === "new" ? "kind" : "kind priority" }, labels[i]))));
  }
  const more = stack.waiting - shown.length;
  $("#next-more").hidden = more <= 0;
  $("#next-more").textContent = more > 0 ? w("screen.stack.more_waiting", { count: more }) : "";
}

/** A place's kind (new point, point of process…) in the screen's words. */
function kindLabel(entry) {
  if (entry.label_key && has(entry.label_key)) return w(entry.label_key, entry.label_params || {});
  return has(`screen.kind.${entry.kind}`) ? w(`screen.kind.${entry.kind}`) : entry.label;
}

let shownPhase = 0;

function tick() {
  // Two languages alternating: every ALTERNATE_SECONDS the other one's turn.
  if (phase() !== shownPhase) {
    shownPhase = phase();
    reword();
    return;  // reword() drew the view, which ticked
  }
  const warm = renderTemperature();
  const item = current && current.agenda && current.agenda.current;
  if (item) {
    const left = secondsLeft(socket, item.deadline);
    $("#item-countdown").textContent = w(left < 0 ? "screen.agenda.over_time" : "screen.agenda.left", { clock: clock(left) });
    $("#item-countdown").classList.toggle("over", left < 0);
  }
  // The join panel shrinks to a column once the meeting has something to show.
  const away = breakoutsRunning() || openspace.on() || cafe.on();
  const live = Boolean(current && (away || item || current.vote || current.point || warm || reportShown() || !$("#stack-panel").hidden));
  if (live !== document.body.classList.contains("live") || $("#room").hidden !== (!live || away)) {
    document.body.classList.toggle("live", live);
    $("#room").hidden = !live || away;
    requestAnimationFrame(fit);
  }
  document.body.classList.toggle("folded", document.body.classList.contains("voting") || document.body.classList.contains("reporting"));
  tickBreakouts();
  openspace.tick();
  cafe.tick();
  // A check's question, a clock that grew a digit: fit again (not every tick if nothing can fit).
  if (live && !away && !fitFailed && overflows($("#room"))) fit();
  const countdown = $("#countdown");
  if (!speaker) { countdown.textContent = ""; return; }
  const left = secondsLeft(socket, speaker.deadline);
  countdown.textContent = left < 0 ? w("screen.stack.time_up", { clock: clock(left) }) : clock(left);
  countdown.classList.toggle("over", left < 0);
}
setInterval(tick, 500);

// --- fitting: nothing that matters is ever clipped ------------------------------------------
//
// The room column has a fixed height.  fit() tries layouts in order until the column holds
// everything: everyone waiting by name with smaller "Next" rows (--n), then fewer names with
// "+N more", then all the type a step smaller (--s), then fewer names again (never fewer than
// three while they wait).  The speaker's name gets a size of its own (--p) so that it takes at
// most two lines, a roll-call line names whole people only ("and N more"), and the join column
// steps its type down (--j) until the title, the code and the head count fit under the QR.

const S = [1, 0.9, 0.8, 0.7, 0.62, 0.55, 0.48];
const TINY = [0.42, 0.36];  // last resorts: small, but nothing is cut
const REASONS_S = 0.8;  // all the reasons at this type size or larger, before any is left to "+N more"
let fitFailed = false;  // even the last layout overflowed (fit() tries again on the next view)

const overflows = (box) => box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
// Lines of text in ``node`` (its whole content, even where a max-height hides some of it).
const lines = (node) => Math.round(node.scrollHeight / (parseFloat(getComputedStyle(node).lineHeight) || 1) - 0.2);

function layouts(all, folded) {
  const out = [];
  const least = Math.min(all, 3);
  const pref = Math.min(all, folded ? 3 : 6);
  const small = S.at(-1);
  if (folded) {
    for (let r = all; r >= pref; r--) out.push([r, 1, 1, 0]);  // "+N more"
    for (const s of S.slice(1)) out.push([pref, 1, s, 0]);  // all the type smaller
    // A vote with many options: one line of names per option, then the options in two columns.
    out.push([pref, 1, small, 1], [pref, 1, small, 2]);
    for (const s of TINY) out.push([pref, 1, s, 2]);
    return out;
  }
  for (const n of [1, 0.86, 0.74]) out.push([all, n, 1, 0]);  // everyone named, smaller rows
  for (let r = all - 1; r >= pref; r--) out.push([r, 0.74, 1, 0]);  // "+N more"
  for (const n of [0.64, 0.56]) out.push([pref, n, 1, 0]);  // smaller rows still
  for (const s of S.slice(1)) out.push([pref, 0.56, s, 0]);  // all the type smaller
  for (let r = pref - 1; r >= least; r--) out.push([r, 0.56, small, 0]);
  for (const s of TINY) out.push([least, 0.56, s, 0]);
  return out;
}

function fitJoin() {
  const info = $(".info");
  if (!document.body.classList.contains("live")) { info.style.removeProperty("--j"); return; }
  for (const j of S) {
    info.style.setProperty("--j", j);
    if (!overflows(info)) break;
  }
}

/** Each roll-call line: as many whole names as two lines hold, then "and N more". */
function fitNames() {
  const most = $("#room").dataset.squeeze === "0" ? 2 : 1;
  for (const [line, names, more] of voteNames) {
    line.textContent = namesText(names, names.length, more);
    if (lines(line) <= most) continue;
    let lo = 0, hi = names.length;  // lo names fit, hi don't
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      line.textContent = namesText(names, mid, more);
      if (lines(line) <= most) lo = mid; else hi = mid;
    }
    line.textContent = namesText(names, lo, more);
  }
}

function fit() {
  fitJoin();
  const room = $("#room");
  // The room's temperature sits under the speaker while the stack is up, else at the foot.
  const temperature = $("#temperature");
  const home = $("#stack-panel").hidden ? $(".room-foot") : $("#stack-panel");
  if (temperature.parentElement !== home) home.prepend(temperature);
  if (room.hidden || !document.body.classList.contains("live")) return;
  const folded = document.body.classList.contains("folded");
  const all = stackNow ? stackNow.next.length : 0;
  // The speaker's name: at most two lines.
  room.style.setProperty("--s", 1);
  room.style.setProperty("--p", 1);
  const name = $("#speaker-name");
  if (!folded && stackNow && name.offsetParent !== null) {
    for (const p of [1, 0.84, 0.7, 0.6, 0.5, 0.42, 0.36]) {  // two lines, or three rather than tiny type
      room.style.setProperty("--p", p);
      if (lines(name) <= 2 || (p <= 0.6 && lines(name) <= 3)) break;
    }
  }
  // The reasons for blocks and stand-asides: every one, in the first layout that holds them all with
  // type no smaller than REASONS_S; else the first layout that holds three, with as many more as
  // it holds, and "+N more reasons (in the minutes)" for the rest.
  const given = reasonItems.length;
  const least = Math.min(given, 3);
  const apply = ([rows, n, s, squeeze], k) => {
    room.style.setProperty("--n", n);
    room.style.setProperty("--s", s);
    room.dataset.squeeze = squeeze;
    showNext(rows);
    showReasons(k);
    return !overflows(room);
  };
  const tries = layouts(all, folded);
  let chosen = null;
  if (given > least) chosen = tries.find((layout) => layout[2] >= REASONS_S && apply(layout, given));
  if (chosen) fitFailed = false;
  else {
    chosen = tries.find((layout) => apply(layout, least)) || tries.at(-1);
    fitFailed = !apply(chosen, least);
    if (!fitFailed && given > least) {
      let lo = least, hi = given;  // lo reasons fit, hi don't
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (apply(chosen, mid)) lo = mid; else hi = mid;
      }
      apply(chosen, lo);
    }
  }
  fitNames();  // the roll-call lines are two lines high whatever they hold: fill them with whole names
  fitReport();
}

// --- breakout rooms ------------------------------------------------------------------------
//
// While a round runs the screen is the rooms' noticeboard: the question, the round's countdown
// (or the return countdown once everyone is called back), the broadcast, and a grid of every
// room that fits the screen without scrolling.  Over PAGE_MAX rooms, the grid shows pages that
// turn every PAGE_SECONDS.  A report the facilitator shows takes the grid's place (during a
// round) or sits above the plenary stack (after it), its type shrunk until it fits.

const PAGE_MAX = 40;
const PAGE_SECONDS = 8;
let breakouts = null;
let gridKey = "";

const breakoutsRunning = () => Boolean(breakouts && !breakouts.ended);
const reportShown = () => Boolean(breakouts && breakouts.report);

function renderBreakouts(rooms) {
  breakouts = rooms;
  const running = breakoutsRunning();
  document.body.classList.toggle("breakouts", running);
  $("#breakouts").hidden = !running;
  $("#bo-summary-box").hidden = !running;
  renderReport(rooms && rooms.report, running);
  if (!running) { gridKey = ""; return; }
  $("#bo-label").textContent = w("screen.bo.round", { round: rooms.round });
  $("#bo-question").textContent = rooms.question || w("screen.bo.talk");
  const message = $("#bo-broadcast");
  message.hidden = !rooms.broadcast;
  if ($("#bo-broadcast-text").textContent !== (rooms.broadcast || "")) $("#bo-broadcast-text").textContent = rooms.broadcast || "";
  const inRooms = rooms.rooms.reduce((sum, r) => sum + r.people, 0);
  const open = rooms.rooms.filter((r) => !r.closed).length;
  $("#bo-summary").replaceChildren(
    el("span", {}, w("screen.bo.summary", { rooms: (t) => t("screen.bo.rooms", { count: open }), count: inRooms })),
    rooms.in_plenary ? el("span", {}, w("screen.bo.in_plenary", { count: rooms.in_plenary })) : "");
}

const NAME_LINE = 1.2;   // line height of a room's name, in em
const META = 0.78;       // the people/rapporteur line, relative to the name
const META_LINE = 1.2;
let plan = null;

function tileTexts(r, many) {
  const people = r.closed ? w("screen.bo.closed") : w("screen.people", { count: r.people });
  const rapporteur = r.closed || (many && !r.rapporteur) ? ""
    : !r.rapporteur ? w("screen.bo.no_rapporteur_yet") : many ? `✎ ${r.rapporteur}` : w("screen.bo.reporting", { name: r.rapporteur });
  return { name: `${r.number} ${r.name}`, people, rapporteur };
}

const measurer = document.createElement("canvas").getContext("2d");
function em(text, weight) {
  measurer.font = `${weight} 100px ${getComputedStyle(document.body).fontFamily}`;
  return measurer.measureText(text).width / 100;
}

/** Put the headings in the state a plan needs, and measure the space left for the grid. */
function gridSpace(pages, many) {
  $("#breakouts").classList.toggle("many", many);
  $("#bo-foot").hidden = pages === 1;
  fitHead();
  const box = $("#bo-body").getBoundingClientRect();
  return { width: Math.floor(box.width), height: Math.floor(box.height) };
}

/**
 * How to lay out the rooms: how many pages (at most PAGE_MAX rooms a page, fewer if names are so
 * long that they would be unreadable), how many columns, and the type size, chosen so that the
 * longest name fits its tile in one or two lines and the type is as big as it can be.
 */
function planGrid() {
  const all = breakouts.rooms;
  const n = all.length;
  const vmin = Math.min(innerWidth, innerHeight) / 100;
  const gap = 1.2 * vmin, padH = 4 * vmin, padV = 0.6 * vmin;  // padH: both paddings and the coloured edge
  const readable = 1.7 * vmin;  // below this, more pages rather than smaller type
  let best = null;
  for (let pages = Math.ceil(n / PAGE_MAX) || 1; ; pages++) {
    const size = Math.ceil(n / pages);
    const many = size > 12;
    const box = gridSpace(pages, many);
    const texts = all.map((r) => tileTexts(r, many));
    const names = Math.max(...texts.map((t) => em(t.name, 800)));
    const words = Math.max(...texts.flatMap((t) => t.name.split(/\s+/).map((w) => em(w, 800))));
    // A rapporteur's name longer than about 14 characters may end in "…"; the rest always shows.
    const metas = Math.max(...texts.map((t, i) => {
      const cut = t.rapporteur.length - (all[i].rapporteur || "").length + 14;  // the prefix and 14 characters of the name
      return em(t.people, 700) + (t.rapporteur ? 0.8 + em(t.rapporteur.slice(0, cut), 400) : 0);
    })) * META;
    best = null;
    for (let cols = 1; cols <= size; cols++) {
      const rows = Math.ceil(size / cols);
      const w = (box.width - (cols - 1) * gap) / cols - padH;
      const h = (box.height - (rows - 1) * gap) / rows - 2 * padV;
      for (const lines of [1, 2]) {
        const tall = lines * NAME_LINE + 0.15 + META * META_LINE;
        const byName = lines === 1 ? w / names : Math.min(w / (names / 2 * 1.2), w / words);
        const font = Math.min(h / tall, byName, w / metas, (many ? 5.5 : 7) * vmin);
        const score = font * (lines === 1 ? 1.12 : 1);  // one line reads better: two must be clearly bigger
        if (!best || score > best.score) best = { score, font, cols, rows, lines, w, h, tall };
      }
    }
    best = { ...best, pages, size, many, gap, padV, padH, box };
    if (best.font >= readable || size <= 8) break;
  }
  return best;
}

function renderGrid() {
  const all = breakouts.rooms;
  const key = JSON.stringify(all.map((r) => [r.room, r.name, r.people, r.rapporteur, r.closed])) + `${innerWidth}x${innerHeight}`;
  if (plan && plan.key === key) {
    // The headings may have changed (a broadcast, the call-back): plan again if the space did.
    const box = gridSpace(plan.pages, plan.many);
    if (box.width !== plan.box.width || box.height !== plan.box.height) plan = null;
  }
  if (!plan || plan.key !== key) { plan = { ...planGrid(), key }; gridKey = ""; }
  const p = plan;
  const index = p.pages > 1 ? Math.floor(Date.now() / 1000 / PAGE_SECONDS) % p.pages : 0;
  const shown = all.slice(index * p.size, (index + 1) * p.size);
  const pageKey = `${p.key}|${index}|${p.font}`;
  if (gridKey === pageKey) return;
  gridKey = pageKey;
  const first = index * p.size + 1;
  $("#bo-page").textContent = p.pages > 1 ? w("screen.bo.page", { page: index + 1, pages: p.pages, first,
    last: first + shown.length - 1, total: all.length }) : "";
  $("#bo-legend").textContent = p.many && all.some((r) => r.rapporteur) ? w("screen.bo.legend") : "";
  const grid = $("#bo-grid");
  grid.style.gap = `${p.gap}px`;
  grid.style.gridTemplateColumns = `repeat(${p.cols}, minmax(0, 1fr))`;
  // Tiles no taller than they need to be (a few rooms don't become towers).
  const height = Math.min(p.h, Math.max(p.font * p.tall * 1.6, (p.w + p.padH) / 2.6)) + 2 * p.padV;
  grid.style.gridTemplateRows = `repeat(${p.rows}, ${Math.floor(height)}px)`;
  grid.style.setProperty("--tile-font", `${Math.floor(p.font * 10) / 10}px`);
  grid.style.setProperty("--tile-lines", p.lines);
  grid.style.setProperty("--tile-pad", `${p.padV}px ${p.padH / 2 - 0.4 * Math.min(innerWidth, innerHeight) / 100}px`);
  grid.replaceChildren(...shown.map((r) => {
    const t = tileTexts(r, p.many);
    return el("li", { class: r.closed ? "tile shut" : "tile" },
      el("p", { class: "tile-name" }, el("span", { class: "tile-n", "aria-hidden": "true" }, `${r.number}`), " ", r.name),
      el("p", { class: "tile-meta" },
        el("span", { class: "tile-people" }, t.people),
        t.rapporteur ? el("span", { class: r.rapporteur ? "tile-rapporteur" : "tile-rapporteur none" }, t.rapporteur) : null));
  }));
}

function tickBreakouts() {
  if (!breakoutsRunning()) return;
  const rooms = breakouts;
  const countdown = $("#bo-countdown");
  const clockBox = countdown.parentElement;
  if (rooms.return_at) {
    const left = secondsLeft(socket, rooms.return_at);
    $("#bo-clock-label").textContent = w("screen.bo.everyone_back");
    countdown.textContent = left > 0 ? w("screen.bo.back_in", { clock: clock(left) }) : w("screen.bo.back_now");
    clockBox.className = "bo-clock returning";
  } else {
    const left = secondsLeft(socket, rooms.ends_at);
    $("#bo-clock-label").textContent = w(left > 0 ? "screen.time_left" : "screen.time_is_up");
    countdown.textContent = left > 0 ? clock(left) : `+${clock(-left)}`;
    clockBox.className = left <= 0 ? "bo-clock over" : left <= 60 ? "bo-clock warn" : "bo-clock";
  }
  if (reportShown()) { fitHead(); return; }
  renderGrid();
}

let reportKey = "";

function renderReport(report, running) {
  const panel = $("#report");
  document.body.classList.toggle("reporting", Boolean(report) && !running);
  panel.hidden = !report;
  $("#bo-grid").hidden = Boolean(report);
  $("#bo-page").hidden = Boolean(report);
  // During a round the report takes the grid's place; after it, it sits above the plenary stack.
  const home = running ? $("#bo-body") : $("#room");
  if (panel.parentElement !== home) {
    if (running) home.append(panel);
    else home.insertBefore(panel, $("#vote-panel"));
  }
  if (!report) { reportKey = ""; return; }
  $("#report-title").textContent = w("screen.report.from", { name: report.name });
  $("#report-by").textContent = report.rapporteur ? w("screen.report.rapporteur", { name: report.rapporteur }) : w("screen.report.no_rapporteur");
  const text = $("#report-text");
  if (text.textContent !== (report.text || "")) text.textContent = report.text || "";
  text.classList.toggle("empty", !report.text);
  if (!report.text) text.textContent = w("screen.report.empty");
  reportKey = "";
  requestAnimationFrame(fitReport);
}

/**
 * Give ``text`` the biggest font size (between ``max`` and ``min`` vmin) at which ``box`` holds it
 * without overflowing.  Returns false if even ``min`` overflows.  Cached by text and box size.
 */
const fitted = new WeakMap();
function fitFont(text, box, max, min) {
  if (box.offsetParent === null) return true;
  const key = `${text.textContent}|${text.clientWidth}|${box === text ? "" : box.clientWidth}|${innerWidth}x${innerHeight}|${max}-${min}`;
  const last = fitted.get(text);
  if (last && last.key === key) return last.ok;
  const vmin = Math.min(innerWidth, innerHeight) / 100;
  const fits = (px) => {
    text.style.fontSize = `${px}px`;
    return box.scrollHeight <= box.clientHeight + 1 && text.scrollWidth <= text.clientWidth + 1;
  };
  let lo = min * vmin, hi = max * vmin, ok = true;
  if (fits(hi)) lo = hi;
  else if (!fits(lo)) ok = false;
  else {
    for (let i = 0; i < 10; i++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) lo = mid; else hi = mid;
    }
  }
  fits(Math.floor(lo * 10) / 10);
  fitted.set(text, { key, ok });
  return ok;
}

/** The report's type shrinks until it fits its panel (not below 2vmin); if it still can't, the screen says so. */
function fitReport() {
  const text = $("#report-text");
  if ($("#report").hidden || text.offsetParent === null) return;
  const panel = $("#report");
  const key = `${text.textContent}|${panel.clientWidth}x${panel.clientHeight}`;
  if (key === reportKey) return;
  reportKey = key;
  $("#report-more").hidden = true;
  text.classList.remove("overflowing");
  fitted.delete(text);
  if (!fitFont(text, text, 5.5, 2)) {
    $("#report-more").hidden = false;  // the text's box shrinks to make room for the note
    text.classList.add("overflowing");
  }
}

/**
 * The question and the broadcast: as big as they can be in the space they have.  If even the
 * smallest size can't hold one, its box grows to hold it all (the grid gets less room): never cut.
 */
function fitHead() {
  if (!breakoutsRunning()) return;
  const many = $("#breakouts").classList.contains("many");
  fitWhole($("#bo-question"), $(".bo-head"), many ? 3.6 : 4.6);
  if (!$("#bo-broadcast").hidden) fitWhole($("#bo-broadcast-text"), $("#bo-broadcast-text"), many ? 3.4 : 4.4);
}

function fitWhole(text, box, max) {
  const key = `${text.textContent}|${text.clientWidth}|${box.clientWidth}|${innerWidth}x${innerHeight}|${max}`;
  if (text.dataset.fit === key) return;
  box.classList.remove("whole");
  fitted.delete(text);
  if (!fitFont(text, box, max, 2.2)) box.classList.add("whole");
  text.dataset.fit = key;
}

addEventListener("resize", () => { plan = null; reportKey = ""; tick(); fit(); });
// The stack beside the report can grow or shrink: fit again whenever the report's box changes.
new ResizeObserver(() => fitReport()).observe($("#report"));

socket.connect();
