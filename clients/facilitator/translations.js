// The console's translators: the languages texts are translated into (add, remove), how far each
// translator has got (translated, out of date), and each language's translator link (a capability
// link, computed by the server on request and never stored) with a copy button.
//
// facilitator.js calls translators() once and its render() with every facilitator view.  Words come
// from the "translators-console" catalogue.
import { el, $ } from "/static/shared/socket.js";
import { keyed, setText } from "/static/shared/render.js";
import { t, errorText, LANGUAGES } from "/static/shared/i18n.js";

const nameOf = (code) => LANGUAGES.find((l) => l.code === code)?.name || code;

export function translators({ socket }) {
  const card = el("form", { id: "tr-form", class: "screen-lang", novalidate: true });
  card.innerHTML = `
    <fieldset>
      <legend data-i18n="translators.heading"></legend>
      <p class="muted" data-i18n="translators.intro"></p>
      <ul id="tr-languages" class="plain" aria-labelledby="tr-list-label"></ul>
      <p class="visually-hidden" id="tr-list-label" data-i18n="translators.list"></p>
      <p class="muted" id="tr-none" data-i18n="translators.none"></p>
      <div class="screen-lang-row">
        <div class="screen-lang-field"><label for="tr-code" data-i18n="translators.code"></label>
          <input type="text" id="tr-code" maxlength="12" autocomplete="off" placeholder="es" aria-describedby="tr-code-hint"></div>
      </div>
      <p class="muted hint" id="tr-code-hint" data-i18n="translators.code_hint"></p>
      <p class="actions">
        <button type="submit" class="secondary small" id="tr-add" data-i18n="translators.add"></button>
        <button type="button" class="secondary small" id="tr-links" aria-expanded="false" aria-controls="tr-link-list" data-i18n="translators.links"></button>
      </p>
      <ul id="tr-link-list" class="plain in-links" hidden></ul>
      <p class="error-text" id="tr-error" role="alert"></p>
    </fieldset>`;
  $("#screen-lang-form").after(card);
  let view = null;
  let links = null;

  function words() {
    for (const node of card.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  }

  async function act(type, fields = {}) {
    try {
      const reply = await socket.request(type, fields);
      $("#tr-error").textContent = "";
      return reply || true;
    } catch (err) {
      $("#tr-error").textContent = errorText(err);
      return false;
    }
  }

  card.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("#tr-code").value.trim();
    if (!code) { $("#tr-error").textContent = t("translators.code_needed"); $("#tr-code").focus(); return; }
    if (await act("add_translation_language", { language: code })) {
      $("#tr-code").value = "";
      if (links) await showLinks();
    }
  });

  async function showLinks() {
    const reply = await act("translator_links");
    if (!reply) return;
    links = reply.links || {};
    drawLinks();
  }

  $("#tr-links").addEventListener("click", async () => {
    const list = $("#tr-link-list");
    if (!list.hidden) {
      list.hidden = true;
      $("#tr-links").setAttribute("aria-expanded", "false");
      return;
    }
    await showLinks();
    list.hidden = false;
    $("#tr-links").setAttribute("aria-expanded", "true");
  });

  async function copy(input, button) {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(input.value); ok = true; }
    } catch { /* the old way below */ }
    if (!ok) {
      input.focus();
      input.select();
      try { ok = document.execCommand("copy"); } catch { ok = false; }
    }
    setText(button, t(ok ? "translators.copied" : "translators.select"));
    setTimeout(() => setText(button, t("translators.copy")), 2000);
  }

  function drawLinks() {
    const languages = (view?.languages || []).filter((code) => links && links[code]);
    keyed($("#tr-link-list"), languages, (code) => code, (code) => {
      const input = el("input", { type: "text", readonly: true, class: "in-link" });
      const button = el("button", { type: "button", class: "secondary small" });
      button.addEventListener("click", () => copy(input, button));
      input.addEventListener("focus", () => input.select());
      return el("li", { class: "in-link-row" }, el("span", { class: "in-link-kind" }), input, button);
    }, (li, code) => {
      const [label, input, button] = li.children;
      setText(label, nameOf(code));
      input.value = links[code];
      input.setAttribute("aria-label", t("translators.link_label", { language: nameOf(code) }));
      setText(button, t("translators.copy"));
    });
  }

  function render(section) {
    view = section || { languages: [], counts: {} };
    const languages = view.languages || [];
    $("#tr-none").hidden = languages.length > 0;
    keyed($("#tr-languages"), languages, (code) => code, (code) => {
      const remove = el("button", { type: "button", class: "secondary small" });
      remove.addEventListener("click", () => act("remove_translation_language", { language: code }));
      return el("li", { class: "in-link-row" }, el("strong", {}), el("span", { class: "muted" }), remove);
    }, (li, code) => {
      const [name, progress, remove] = li.children;
      const c = view.counts?.[code] || { total: 0, translated: 0, stale: 0 };
      setText(name, `${nameOf(code)} (${code})`);
      let text = t("translators.progress", { translated: c.translated, total: c.total });
      if (c.stale) text += ` · ${t("translators.stale", { count: c.stale })}`;
      setText(progress, text);
      setText(remove, t("translators.remove"));
      remove.setAttribute("aria-label", t("translators.remove_label", { language: nameOf(code) }));
    });
    if (links) drawLinks();
  }

  words();
  return { render, words };
}
