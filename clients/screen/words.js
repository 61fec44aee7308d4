// The big screen's fixed words, in the language or languages the console chose (issue #15).
//
// The console sets the screen's languages (``screen_languages``: one language, or two for an
// assembly that runs in two at once) and how two are shown: "side" puts both in every text ("Speaking
// now · Habla ahora"), "alternate" shows one, then the other, each for ALTERNATE_SECONDS.  The
// screen view carries the setting in ``translations.screen`` ({languages, mode}); ``?lang=xx`` in
// the screen's address pins one language instead (a screen set up by hand, the pseudo-language in
// the tests).  Without either, the screen speaks English.
//
// The shared engine (shared/i18n.js) words a page in one language; the screen needs two at once, so
// it keeps a catalogue per language here, made from the same files (and the engine's pseudo()).
//
//   w(key, params)        the words for the screen now: one language, both side by side, or the
//                         alternating one; a parameter may be a function (t) => string, worded per
//                         language with that language's t (so a composed phrase stays in one language)
//   say((t) => string)    the same for a phrase composed in code
//   serverWords(key, params, english)   words the server sent as a key, else its English text
//   content(translations, kind, id, original)   a text of the meeting, translated where a translator did
//   translateScreen(root) [data-i18n] and [data-i18n-attr] under root, in the screen's words
import { LANGUAGES, pseudo, dir } from "/static/shared/i18n.js";

export const ALTERNATE_SECONDS = 8;
const NAMESPACES = ["common", "server", "screen", "openspace-screen", "cafe-screen", "audio"];
const CODES = new Set(LANGUAGES.map((l) => l.code));
const PSEUDO = "qps";
const FSI = "\u2068";
const PDI = "\u2069";

const catalogues = new Map();  // code -> the merged catalogue of every namespace (loaded once)
const loading = new Map();     // code -> its pending load
let languages = ["en"];
let mode = "side";
const pluralRules = new Map();
const numbers = new Map();

/** A code the screen can use (the base of "es-MX"), the pseudo-language, or null. */
export function known(code) {
  if (!code) return null;
  const lower = String(code).toLowerCase();
  if (lower === PSEUDO) return PSEUDO;
  const base = lower.split(/[-_]/)[0];
  return CODES.has(base) ? base : null;
}

/** The language ``?lang=`` pins in the screen's address, or null (then the console decides). */
export const pinned = known(new URLSearchParams(location.search).get("lang"));

async function fetchCatalogue(namespace, code) {
  try {
    const response = await fetch(`/static/i18n/${namespace}/${code}.json`, { cache: "no-cache" });
    if (!response.ok) return {};
    const data = await response.json();
    return data && typeof data === "object" && !Array.isArray(data) ? data : {};
  } catch {
    return {};
  }
}

function pseudoOf(en) {
  const out = {};
  for (const [key, value] of Object.entries(en)) {
    out[key] = typeof value === "string" ? pseudo(value)
      : Object.fromEntries(Object.entries(value || {}).map(([category, text]) => [category, pseudo(String(text))]));
  }
  return out;
}

function load(code) {
  if (catalogues.has(code)) return Promise.resolve();
  if (!loading.has(code)) {
    loading.set(code, (async () => {
      if (code === PSEUDO) {
        await load("en");
        catalogues.set(code, pseudoOf(catalogues.get("en")));
        return;
      }
      const parts = await Promise.all(NAMESPACES.map((namespace) => fetchCatalogue(namespace, code)));
      catalogues.set(code, Object.assign({}, ...parts));
    })());
  }
  return loading.get(code);
}

/**
 * Set the screen's languages (the pinned one wins) and mode; loads what they need.  Resolves true
 * if what the screen shows changed (the page then words itself again).
 */
export async function setScreenLanguages(wanted, wantedMode) {
  let next = pinned ? [pinned] : [...new Set((wanted || []).map(known).filter(Boolean))].slice(0, 2);
  if (!next.length) next = ["en"];
  const nextMode = wantedMode === "alternate" ? "alternate" : "side";
  await Promise.all(["en", ...next].map(load));
  if (next.join() === languages.join() && nextMode === mode) return false;
  languages = next;
  mode = nextMode;
  setDocumentLanguage();
  return true;
}

/** The languages now shown ([one] or [two]) and the mode. */
export function screenLanguages() {
  return { languages: [...languages], mode };
}

/** In "alternate" mode, which language is up now (it turns every ALTERNATE_SECONDS). */
export function phase() {
  if (languages.length < 2 || mode !== "alternate") return 0;
  return Math.floor(Date.now() / 1000 / ALTERNATE_SECONDS) % languages.length;
}

/** The languages to word a text in right now. */
function shown() {
  if (languages.length < 2) return languages;
  return mode === "alternate" ? [languages[phase()]] : languages;
}

export function setDocumentLanguage() {
  const code = shown()[0];
  document.documentElement.lang = code === PSEUDO ? "en-XA" : code;
  document.documentElement.dir = dir(code);
}

const locale = (code) => (code === PSEUDO ? "en" : code);

function category(code, count) {
  if (!pluralRules.has(code)) pluralRules.set(code, new Intl.PluralRules(locale(code)));
  return pluralRules.get(code).select(count);
}

function number(code, n) {
  if (!numbers.has(code)) numbers.set(code, new Intl.NumberFormat(locale(code), { numberingSystem: "latn", useGrouping: false }));
  return numbers.get(code).format(n);
}

/** Whether a catalogue has ``key`` (the server's keys arrive before their catalogue may exist). */
export function has(key) {
  return Object.hasOwn(catalogues.get("en") || {}, key);
}

/** A ``t(key, params)`` for one language: its catalogue, else English, else the key. */
export function translator(code) {
  const t = (key, params = {}) => {
    const mine = catalogues.get(code) || {};
    const en = catalogues.get("en") || {};
    let entry = Object.hasOwn(mine, key) ? mine[key] : Object.hasOwn(en, key) ? en[key] : null;
    if (entry && typeof entry === "object") {
      entry = entry[category(code, Number(params.count ?? 0))] ?? entry.other ?? Object.values(entry)[0];
    }
    if (typeof entry !== "string") return key;
    const isolate = dir(code) === "rtl";
    return entry.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) => {
      if (!Object.hasOwn(params, name)) return whole;
      let value = params[name];
      if (typeof value === "function") value = value(t);
      const text = typeof value === "number" ? number(code, value) : String(value ?? "");
      return isolate ? FSI + text + PDI : text;
    });
  };
  t.code = code;
  return t;
}

const translators = new Map();
function tOf(code) {
  if (!translators.has(code)) translators.set(code, translator(code));
  return translators.get(code);
}

/** A phrase composed per language by ``compose(t)``, in the screen's words now. */
export function say(compose) {
  const texts = [];
  for (const code of shown()) {
    const text = compose(tOf(code));
    if (!texts.includes(text)) texts.push(text);
  }
  if (texts.length < 2) return texts[0] ?? "";
  // Two directions side by side: each its own run, so neither reorders the other.
  const mixed = shown().some((code) => dir(code) === "rtl");
  return texts.map((text) => (mixed ? FSI + text + PDI : text)).join(" · ");
}

/** The words for ``key`` with ``params``, in the screen's words now. */
export function w(key, params = {}) {
  return say((t) => t(key, params));
}

/** Words the server sent as a key with params, else its English ``english`` (an older server). */
export function serverWords(key, params, english) {
  return key && has(key) ? w(key, params || {}) : english ?? "";
}

/**
 * A text of the meeting (a title, an agenda item, a vote's question) in the screen's words: a
 * translator's translation into each language shown, else the original.  A translation whose original
 * changed since (stale) is not shown: the room reads the original rather than an out-of-date version.
 * ``section`` is the view's ``translations`` ({lang: {"kind:id": {text, stale}}}).
 */
export function content(section, kind, id, original) {
  return say(contentIn(section, kind, id, original));
}

/** The same as a parameter: ``(t) => text`` in ``t``'s language (w("screen.agenda.next", {title: contentIn(…)})). */
export function contentIn(section, kind, id, original) {
  return (t) => {
    const entry = section?.[t.code]?.[`${kind}:${id}`];
    return entry && entry.text && !entry.stale ? entry.text : original;
  };
}

/** Every [data-i18n] (textContent) and [data-i18n-attr="attr:key;…"] under ``root``, in the screen's words. */
export function translateScreen(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    const text = w(node.dataset.i18n);
    if (node.textContent !== text) node.textContent = text;
  }
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":").map((s) => s.trim());
      if (attribute && key) node.setAttribute(attribute, w(key));
    }
  }
}

/** The locale for dates and times (the first language shown). */
export function timeLocale() {
  return locale(shown()[0]);
}
