// A text of the meeting in the reader's language, when a translator translated it (issue #15).
//
// The phone and screen views carry a `translations` section, {lang: {"kind:id": {text, stale}}}
// (server/translations/).  A page that shows an original text (an agenda item, a proposal, an
// amendment, a vote's question, an Open Space topic, the title or theme) calls
//
//   showTranslated(node, view.translations, "proposal", p.proposal, p.text)
//
// instead of setting the text itself.  With a translation into the reader's language the node shows
// it, marked "Translation", with "Show original" one tap away (the choice stays on that node across
// re-renders); one whose original changed since is marked "out of date".  With {vote: true} it says
// that a vote is on the original wording.  Without a translation the node holds the original, as
// plain text, exactly as before.  Participants' own words are never passed here.
//
//   translationOf(section, lang, kind, id)   {text, stale} or null (the big screen's bilingual modes)
//
// The words come from the `translate` catalogue (clients/i18n/translate/); a page that lists it in its
// loadCatalogues() saves a fetch, otherwise it is loaded the first time a translation is shown.
import { t, has, language, loadCatalogues, onLanguageChange } from "/static/shared/i18n.js";

export const NAMESPACE = "translate";

const ENGLISH = {  // until the catalogue is in (and if it can't be fetched)
  "translate.shown.translation": "Translation",
  "translate.shown.stale": "Translation (out of date)",
  "translate.shown.original": "Original",
  "translate.shown.show_original": "Show original",
  "translate.shown.show_translation": "Show translation",
  "translate.shown.vote": "A vote is on the original wording.",
};
// The common catalogue (which every page loads) has some of these words already: those first.
const COMMON = {
  "translate.shown.translation": "common.translation",
  "translate.shown.stale": "common.translation.stale",
  "translate.shown.show_original": "common.show_original",
  "translate.shown.show_translation": "common.show_translation",
};

// The marks' look, here so that every page calling this gets it without a stylesheet of its own.
const STYLE = `
.tr-text { unicode-bidi: isolate; }
.tr-meta { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.5rem; font-size: 0.85rem;
  font-weight: 400; vertical-align: middle; }
.tr-mark { border: 1px solid var(--muted, #4a4a4a); border-radius: 0.3rem; padding: 0 0.35rem; color: var(--muted, #4a4a4a); }
.tr-mark.tr-stale { background: var(--warn-bg, #fff3c4); color: #3d2e00; border-color: #8a6d00; font-weight: 600; }
button.tr-toggle, button.tr-toggle[aria-pressed="true"] { width: auto; min-height: 2.5rem; margin: 0; padding: 0.2rem 0.6rem;
  font-size: 0.85rem; font-weight: 600; background: #fff; color: var(--accent, #0b4fa8); border: 2px solid var(--accent, #0b4fa8); }
.tr-vote { display: block; margin-block-start: 0.25rem; font-size: 0.85rem; font-weight: 400; color: var(--muted, #4a4a4a); }
`;

function addStyle() {
  if (typeof document === "undefined" || document.getElementById("plaza-translated-style")) return;
  const style = document.createElement("style");
  style.id = "plaza-translated-style";
  style.textContent = STYLE;
  document.head.append(style);
}
addStyle();

const shown = new Set();  // nodes showing a translation, re-worded when the catalogue or the language changes
let asked = false;

function words(key) {
  if (COMMON[key] && has(COMMON[key])) return t(COMMON[key]);
  return has(key) ? t(key) : ENGLISH[key];
}

/** The translation of ``kind:id`` into ``lang`` in a view's ``translations`` section: {text, stale}, or null. */
export function translationOf(section, lang, kind, id) {
  const entry = section?.[lang]?.[`${kind}:${id}`];
  return entry && typeof entry.text === "string" && entry.text ? { text: entry.text, stale: Boolean(entry.stale) } : null;
}

function span(className, text, attrs = {}) {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function render(node) {
  const { section, kind, id, original, options } = node._translated;
  const lang = options.lang || language();
  const found = translationOf(section, lang, kind, id);
  const worded = options.words || ((text) => text);
  if (!found) {
    shown.delete(node);
    delete node.dataset.translated;
    const text = worded(original);
    if (node.childElementCount || node.textContent !== text) node.textContent = text;
    return;
  }
  shown.add(node);
  if (!asked && !has("translate.shown.vote")) {
    asked = true;
    loadCatalogues([NAMESPACE]).then(refresh, () => {});
  }
  const showOriginal = node.dataset.showOriginal === "1";
  const line = worded(showOriginal ? original : found.text);
  const signature = JSON.stringify([lang, found, line, showOriginal, options.vote, words("translate.shown.vote")]);
  if (node.dataset.translated === signature) return;
  node.dataset.translated = signature;
  const text = span("tr-text", line, showOriginal ? { dir: "auto" } : { lang, dir: "auto" });
  const meta = span("tr-meta", "");
  if (showOriginal) meta.append(span("tr-mark", words("translate.shown.original")));
  else if (found.stale) meta.append(span("tr-mark tr-stale", words("translate.shown.stale")));
  else meta.append(span("tr-mark", words("translate.shown.translation")));
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "tr-toggle";
  toggle.setAttribute("aria-pressed", String(showOriginal));
  toggle.textContent = words(showOriginal ? "translate.shown.show_translation" : "translate.shown.show_original");
  toggle.addEventListener("click", () => {
    node.dataset.showOriginal = showOriginal ? "" : "1";
    render(node);
    node.querySelector(".tr-toggle")?.focus();  // the button was rebuilt: keep the keyboard where it was
  });
  meta.append(" ", toggle);
  const parts = [text, " ", meta];
  if (options.vote) parts.push(" ", span("tr-vote", words("translate.shown.vote")));
  node.replaceChildren(...parts);
}

/**
 * Show ``original`` (the text of ``kind:id``) in ``node``, or its translation into the reader's language
 * (``options.lang``, else the page's) when ``section`` (a view's ``translations``) has one.
 * ``options.words(text)``: the line the text goes in ("Budget (10 min)"); ``options.vote``: say a vote is on the original.
 */
export function showTranslated(node, section, kind, id, original, options = {}) {
  node._translated = { section, kind, id: String(id), original: String(original ?? ""), options };
  render(node);
  return node;
}

function refresh() {
  for (const node of [...shown]) {
    if (!node.isConnected) { shown.delete(node); continue; }
    delete node.dataset.translated;
    render(node);
  }
}

onLanguageChange(refresh);
