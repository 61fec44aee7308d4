// Words in the reader's language (issue #15).
//
// Views stay language-free: the server sends keys with parameters beside its English text, and each
// page words them here from catalogues, /static/i18n/<namespace>/<lang>.json (flat objects, "key":
// "text with {param}"; a plural is an object keyed by CLDR category, {"one": …, "other": …}).
//
//   await loadCatalogues(["common", "server", "phone"])   before the first render
//   t("phone.join.title", {name})       the current language, else English, else the key itself
//   tn("phone.turns", 2)                a plural: t() with {count: 2}
//   tnodes("phone.joined", {name})      a DocumentFragment, each parameter in a <bdi> (names, numbers)
//   has("error.too_long")               whether a key is in a loaded catalogue (current language or en)
//   errorText(err)                      a server or socket refusal worded from error.<code>, else its message
//   translatePage(root)                 [data-i18n="key"] textContent, [data-i18n-attr="aria-label:key;title:key2"]
//   languagePicker()                    a labelled <select> in native names, one tap away
//   setLanguage(code), onLanguageChange(fn)   reload, set <html lang dir>, translate the page, then fn()
//   language(), dir(code?), LANGUAGES, formatNumber(n), formatList(items), timeLocales()
//
// The first language: ?lang=xx in the address, else localStorage "plaza.lang", else the request's
// Accept-Language as the server marked it (<html data-accept-language>), else the first of
// navigator.languages we have (es-MX -> es), else English.  An unknown code is English, no error.
// "qps" (only via ?lang=qps) is a pseudo-language made here from English: accented, 40% longer and
// wrapped in ⟦ ⟧, so clipped or untranslated text shows in the tests.
//
// In a right-to-left language every parameter of t() is wrapped in FSI…PDI (the plain-text <bdi>), so
// a Latin name or a number inside Arabic text keeps its own direction and does not reorder the words
// around it.  Left-to-right text is left exactly as written (English is what the tests read).

/** The languages Plaza speaks, in their own names (what a picker shows). */
export const LANGUAGES = Object.freeze([
  { code: "en", name: "English", dir: "ltr" },
  { code: "es", name: "Español", dir: "ltr" },
  { code: "fr", name: "Français", dir: "ltr" },
  { code: "de", name: "Deutsch", dir: "ltr" },
  { code: "pt", name: "Português", dir: "ltr" },
  { code: "ar", name: "العربية", dir: "rtl" },
]);

const PSEUDO = "qps";
const STORAGE_KEY = "plaza.lang";
const CODES = new Set(LANGUAGES.map((l) => l.code));
const RTL = new Set(["ar", "he", "fa", "ur"]);
const FSI = "\u2068";
const PDI = "\u2069";
const ISOLATED = /[\u2066-\u2069]/;

let current = "en";
const namespaces = new Set();  // every namespace a page asked for (reloaded on a change of language)
let words = {};  // the current language's keys (all namespaces merged)
let english = {};  // English, the fallback for a key a catalogue lacks
const listeners = new Set();
const pluralRules = new Map();
const numberFormats = new Map();

/** The code a page may use: one of ours (or the pseudo-language), else null. */
function known(code) {
  if (!code) return null;
  const lower = String(code).toLowerCase();
  if (lower === PSEUDO) return PSEUDO;
  const base = lower.split(/[-_]/)[0];
  return CODES.has(base) ? base : null;
}

function storedLanguage() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

function remember(code) {
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* private mode: this visit only */ }
}

/** The language of a first visit (see the top of this file). */
function firstLanguage() {
  const asked = typeof location !== "undefined" ? new URLSearchParams(location.search).get("lang") : null;
  if (asked) {
    const code = known(asked);
    if (code && code !== PSEUDO) remember(code);  // a link in a language is a choice; the pseudo-language is not
    return code || "en";
  }
  const stored = known(storedLanguage());
  if (stored && stored !== PSEUDO) return stored;
  // The server read the request's Accept-Language (server/app.py page()): the same list as
  // navigator.languages in a browser, marked on <html> when it names a language we have.
  const accepted = typeof document !== "undefined" ? known(document.documentElement.dataset.acceptLanguage) : null;
  if (accepted && accepted !== PSEUDO) return accepted;
  const preferred = typeof navigator !== "undefined" ? navigator.languages || [navigator.language] : [];
  for (const code of preferred) {
    const ours = known(code);
    if (ours && ours !== PSEUDO) return ours;
  }
  return "en";
}
current = firstLanguage();

/** The current language's code ("en", "ar", … or "qps"). */
export function language() {
  return current;
}

/** "rtl" or "ltr" for a language (the current one by default). */
export function dir(code = current) {
  return RTL.has(code) ? "rtl" : "ltr";
}

/** The locale the browser's Intl uses for the current language (the pseudo-language is English). */
function locale() {
  return current === PSEUDO ? "en" : current;
}

// --- catalogues ------------------------------------------------------------------------------

async function fetchCatalogue(namespace, code) {
  try {
    const response = await fetch(`/static/i18n/${namespace}/${code}.json`, { cache: "no-cache" });
    if (!response.ok) return {};  // a namespace not written yet: the English words the server sent stand
    const data = await response.json();
    return data && typeof data === "object" && !Array.isArray(data) ? data : {};
  } catch {
    return {};
  }
}

async function fetchAll(code) {
  const parts = await Promise.all([...namespaces].map((namespace) => fetchCatalogue(namespace, code)));
  return Object.assign({}, ...parts);
}

/** Load (or reload) the catalogues of ``list`` (and of every namespace asked before) for the current language. */
export async function loadCatalogues(list = []) {
  for (const namespace of list) namespaces.add(namespace);
  const code = current;
  const [en, mine] = await Promise.all([fetchAll("en"), code === "en" || code === PSEUDO ? null : fetchAll(code)]);
  if (code !== current) return;  // the language changed meanwhile: that load wins
  english = en;
  words = code === PSEUDO ? pseudoCatalogue(en) : mine || en;
  setDocumentLanguage();
}

function setDocumentLanguage() {
  if (typeof document === "undefined") return;
  const root = document.documentElement;
  root.lang = current === PSEUDO ? "en-XA" : current;  // en-XA: the usual tag for an accented pseudo-locale
  root.dir = dir();
}

// --- wording ---------------------------------------------------------------------------------

/** Whether ``key`` has words in the current language or in English. */
export function has(key) {
  return Object.hasOwn(words, key) || Object.hasOwn(english, key);
}

function pluralCategory(count) {
  const code = locale();
  if (!pluralRules.has(code)) pluralRules.set(code, new Intl.PluralRules(code));
  return pluralRules.get(code).select(count);
}

/** A number in the current language's way of writing it (Latin digits: the clocks and codes use them too). */
export function formatNumber(number) {
  const code = locale();
  if (!numberFormats.has(code)) numberFormats.set(code, new Intl.NumberFormat(code, { numberingSystem: "latn" }));
  return numberFormats.get(code).format(number);
}

/**
 * The locales to pass to toLocaleTimeString and the like: the browser's own for English (an en-GB
 * phone keeps its 24-hour clock), else the current language's, in Latin digits like every number here.
 */
export function timeLocales() {
  return current === "en" || current === PSEUDO ? [] : [`${current}-u-nu-latn`];
}

/** "A, B and C" in the current language. */
export function formatList(items, type = "conjunction") {
  try {
    return new Intl.ListFormat(locale(), { style: "long", type }).format(items.map(String));
  } catch {
    return items.join(", ");
  }
}

/** The template for ``key`` (a plural entry resolved by ``params.count``), or null. */
function template(key, params) {
  let entry = Object.hasOwn(words, key) ? words[key] : Object.hasOwn(english, key) ? english[key] : null;
  if (entry && typeof entry === "object") {
    const count = Number(params?.count ?? 0);
    entry = entry[pluralCategory(count)] ?? entry.other ?? Object.values(entry)[0];
  }
  return typeof entry === "string" ? entry : null;
}

function paramText(value) {
  if (typeof value === "number") return formatNumber(value);
  return value === null || value === undefined ? "" : String(value);
}

/** Split a template into text and {param} parts. */
function parts(text) {
  return text.split(/(\{[A-Za-z0-9_]+\})/).filter((part) => part !== "");
}

/** The words for ``key`` with ``params`` in the current language (else English, else the key itself). */
export function t(key, params = {}) {
  const text = template(key, params);
  if (text === null) return key;
  const isolate = dir() === "rtl";
  return parts(text).map((part) => {
    const name = part.startsWith("{") && part.endsWith("}") ? part.slice(1, -1) : null;
    if (name === null || !Object.hasOwn(params, name)) return part;
    const value = paramText(params[name]);
    // Words made by t() already carry their own isolates: wrapped again, the outer isolate would find
    // no strong letter outside them and read the whole run left to right ("(kind) name" in Arabic).
    return isolate && !ISOLATED.test(value) ? FSI + value + PDI : value;
  }).join("");
}

/** A plural: the words for ``key`` with ``{count}`` (and any other ``params``). */
export function tn(key, count, params = {}) {
  return t(key, { ...params, count });
}

/**
 * The words for ``key`` as a DocumentFragment: each parameter in its own <bdi> (so a name or a
 * number keeps its own direction whatever the language), or ``params[name]`` itself when it is a Node.
 */
export function tnodes(key, params = {}) {
  const fragment = document.createDocumentFragment();
  const text = template(key, params);
  if (text === null) {
    fragment.append(key);
    return fragment;
  }
  for (const part of parts(text)) {
    const name = part.startsWith("{") && part.endsWith("}") ? part.slice(1, -1) : null;
    if (name === null || !Object.hasOwn(params, name)) {
      fragment.append(part);
      continue;
    }
    const value = params[name];
    if (value instanceof Node) fragment.append(value);
    else {
      const bdi = document.createElement("bdi");
      bdi.textContent = paramText(value);
      fragment.append(bdi);
    }
  }
  return fragment;
}

/**
 * A refusal in words: the server's ``error.<code>`` (with its params) when a catalogue has it, else
 * the English message it came with.  Works for socket refusals ({code, message, params}) too.
 */
export function errorText(error) {
  if (!error) return "";
  // In English the server's own message is the most precise ("There is already a space called
  // Kitchen." under the general bad_field): the catalogues word a code, once for all its uses.
  if (current === "en" && typeof error.message === "string" && error.message) return error.message;
  const key = error.code ? `error.${error.code}` : null;
  if (key && has(key)) return t(key, error.params || {});
  return error.message || String(error);
}

/** Words the server sent as a key with params, else its English ``fallback`` (older servers, missing catalogues). */
export function serverText(key, params, fallback) {
  return key && has(key) ? t(key, params || {}) : fallback ?? "";
}

// --- the page --------------------------------------------------------------------------------

/**
 * Word every [data-i18n] (textContent; params from data-i18n-params, JSON) and every
 * [data-i18n-attr="aria-label:key;placeholder:key2"] under ``root``.
 */
export function translatePage(root = document) {
  const scope = root.querySelectorAll ? root : document;
  const own = scope.matches ? [scope] : [];
  for (const node of [...own, ...scope.querySelectorAll("[data-i18n]")]) {
    if (!node.dataset?.i18n) continue;
    let params = {};
    if (node.dataset.i18nParams) {
      try { params = JSON.parse(node.dataset.i18nParams); } catch { params = {}; }
    }
    const text = t(node.dataset.i18n, params);
    if (node.textContent !== text) node.textContent = text;
  }
  for (const node of [...own, ...scope.querySelectorAll("[data-i18n-attr]")]) {
    if (!node.dataset?.i18nAttr) continue;
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const at = pair.indexOf(":");
      if (at < 0) continue;
      const attribute = pair.slice(0, at).trim();
      const key = pair.slice(at + 1).trim();
      if (attribute && key) node.setAttribute(attribute, t(key));
    }
  }
}

/** Call ``fn`` after each change of language (catalogues reloaded, page translated).  Returns an unsubscribe. */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Switch to ``code`` (unknown: English), remember it on this device, reload, translate, tell the page. */
export async function setLanguage(code) {
  const next = known(code) || "en";
  if (next !== PSEUDO) remember(next);
  // An address with ?lang= would take the old language back on a reload: it follows the choice.
  if (typeof location !== "undefined" && new URLSearchParams(location.search).has("lang")) {
    const url = new URL(location.href);
    url.searchParams.set("lang", next);
    history.replaceState(history.state, "", url);
  }
  if (next === current) return;
  current = next;
  await loadCatalogues();
  if (current !== next) return;
  translatePage(document);
  for (const picker of document.querySelectorAll("select[data-language-picker]")) picker.value = current;
  for (const fn of [...listeners]) fn(current);
}

let pickers = 0;

/**
 * A labelled language <select> (native names, each option in its own language), ready to put in a
 * header.  ``options.label`` false makes the label visually hidden (it stays for screen readers).
 */
export function languagePicker({ id, visibleLabel = true } = {}) {
  const selectId = id || `language-picker-${++pickers}`;
  const wrap = document.createElement("div");
  wrap.className = "language-picker";
  const label = document.createElement("label");
  label.htmlFor = selectId;
  label.dataset.i18n = "common.language";
  label.textContent = t("common.language");
  if (!visibleLabel) label.className = "visually-hidden";
  const select = document.createElement("select");
  select.id = selectId;
  select.dataset.languagePicker = "";
  select.autocomplete = "off";
  const choices = current === PSEUDO ? [...LANGUAGES, { code: PSEUDO, name: "Pseudo (qps)", dir: "ltr" }] : LANGUAGES;
  for (const choice of choices) {
    const option = document.createElement("option");
    option.value = choice.code;
    option.lang = choice.code === PSEUDO ? "en" : choice.code;
    option.dir = choice.dir;
    option.textContent = choice.name;
    select.append(option);
  }
  select.value = current;
  select.addEventListener("change", () => setLanguage(select.value));
  wrap.append(label, select);
  return wrap;
}

// --- the pseudo-language ----------------------------------------------------------------------

const ACCENTS = {
  a: "á", b: "ƀ", c: "ç", d: "ð", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "í", j: "ĵ", k: "ķ", l: "ļ", m: "ɱ",
  n: "ñ", o: "ó", p: "þ", q: "ǫ", r: "ŕ", s: "š", t: "ţ", u: "ú", v: "ṽ", w: "ŵ", x: "ẋ", y: "ý", z: "ž",
  A: "Á", B: "Ɓ", C: "Ç", D: "Ð", E: "É", F: "Ƒ", G: "Ĝ", H: "Ĥ", I: "Í", J: "Ĵ", K: "Ķ", L: "Ļ", M: "Ṁ",
  N: "Ñ", O: "Ó", P: "Þ", Q: "Ǫ", R: "Ŕ", S: "Š", T: "Ţ", U: "Ú", V: "Ṽ", W: "Ŵ", X: "Ẋ", Y: "Ý", Z: "Ž",
};

/** An English string made pseudo: accented, 40% longer, wrapped in ⟦ ⟧, its {params} intact. */
export function pseudo(text) {
  let letters = 0;
  const body = parts(text).map((part) => {
    if (/^\{[A-Za-z0-9_]+\}$/.test(part)) return part;
    letters += part.length;
    return part.replace(/[A-Za-z]/g, (c) => ACCENTS[c] || c);
  }).join("");
  // Padding in words of up to five dots, so a long string still wraps where real words would.
  let extra = Math.ceil(letters * 0.4);
  let padding = "";
  while (extra > 0) {
    const word = Math.min(5, Math.max(1, extra - 1));
    padding += " " + "·".repeat(word);
    extra -= word + 1;
  }
  return `⟦${body}${padding}⟧`;
}

function pseudoCatalogue(en) {
  const out = {};
  for (const [key, value] of Object.entries(en)) {
    if (typeof value === "string") out[key] = pseudo(value);
    else if (value && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value).map(([category, text]) => [category, pseudo(String(text))]));
    }
  }
  return out;
}
