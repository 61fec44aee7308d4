// The translator's page: a capability page, /translate/{meeting}#key=K&lang=es (issue #15).
//
// Every text of the meeting a translator may translate comes in the `translate` view, each with its
// original, its translation so far and whether that is out of date (the original changed since:
// an amendment accepted, an item edited).  Each has its own box and its own Save (Ctrl+Enter), so a
// translator works through them one by one as they appear; a box keeps what is being typed across
// every view (render.js's syncValue writes only when the saved translation changed).  "Show only
// what needs translating" hides the texts translated and up to date.
//
// The page's own words are in the reader's language (the catalogues; its picker is independent of the
// language being translated into).  Originals and translations are set as text, never HTML.
import { PlazaSocket, el, $ } from "/static/shared/socket.js";
import { keyed, setText, syncValue } from "/static/shared/render.js";
import {
  t, tn, has, errorText, loadCatalogues, translatePage, languagePicker, onLanguageChange, language,
} from "/static/shared/i18n.js";

const meetingId = decodeURIComponent(location.pathname.split("/").pop());
const params = new URLSearchParams(location.hash.slice(1));
const key = params.get("key") || "";
const target = params.get("lang") || "";
const ONLY_TODO = "plaza.translate.only_todo";

await loadCatalogues(["common", "server", "translate"]);
translatePage(document);
$("#language-slot").append(languagePicker({ id: "ui-language" }));

let view = null;  // the translate view
let broken = false;

const socket = new PlazaSocket(() => ({ role: "translator", meeting: meetingId, key, lang: target }));
showConnection();

socket.addEventListener("message", ({ detail: message }) => {
  if (message.type === "view" && message.view === "translate") {
    view = message.data;
    render();
  } else if (message.type === "error" && socket.status !== "open"
    && ["bad_key", "unknown_language", "unknown_meeting", "bad_field"].includes(message.code)) {
    problem(message);
  }
});

/** The language being translated into, in the reader's language ("Spanish", "espagnol"). */
function targetName() {
  try {
    const names = new Intl.DisplayNames([language() === "qps" ? "en" : language()], { type: "language" });
    return names.of(target) || target;
  } catch {
    return target;
  }
}

function showConnection() {
  const element = $("#connection");
  const render = () => {
    const status = socket.status;
    const text = status === "open" || broken ? "" : has(`common.connection.${status}`) ? t(`common.connection.${status}`) : "";
    element.textContent = text;
    element.hidden = !text;
    element.dataset.status = status;
  };
  socket.addEventListener("status", render);
  onLanguageChange(render);
  render();
}

let problemMessage = null;

function problem(message) {
  broken = true;
  problemMessage = message;
  socket.stop();
  $("#connection").hidden = true;
  $("#problem").hidden = false;
  $("#work").hidden = true;
  wordProblem();
}

function wordProblem() {
  const code = problemMessage.code;
  const known = ["bad_key", "unknown_language", "unknown_meeting"].includes(code);
  setText($("#problem-text"), known ? t(`translate.problem.${code}`) : errorText(problemMessage));
  setText($("#heading"), t("translate.problem.heading"));
  document.title = t("translate.problem.heading");
}

// --- the texts ---------------------------------------------------------------------------------

function label(item) {
  if (item.kind === "theme") return t(item.id === "title" ? "translate.kind.theme_title" : "translate.kind.theme_openspace");
  if (item.kind === "vote") return t(item.open ? "translate.kind.vote_open" : "translate.kind.vote");
  if (item.kind === "topic") return t("translate.kind.topic");
  return t(`translate.kind.${item.kind}`, { number: item.number ?? "" });
}

function needsWork(item) {
  return item.translation === null || item.stale;
}

function domId(item) {
  return `t-${item.kind}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

function createItem(item) {
  const id = domId(item);
  const box = el("textarea", {
    id: `${id}-text`, rows: 3, lang: target, dir: "auto", spellcheck: "true",
    "aria-describedby": `${id}-count ${id}-hint ${id}-error`,
  });
  const count = el("span", { id: `${id}-count`, class: "count" });
  const hint = el("span", { id: `${id}-hint`, class: "hint muted" });
  const error = el("p", { class: "error-text", id: `${id}-error`, role: "alert" });
  const saved = el("p", { class: "saved", role: "status" });
  const save = el("button", { type: "submit", class: "save" });
  const form = el("form", { class: "translation", novalidate: true },
    el("label", { for: box.id, class: "field-label" }), box,
    el("p", { class: "field-meta" }, count, " ", hint), error,
    el("div", { class: "actions" }, save, saved));
  const send = async () => {
    const text = box.value.trim();
    const current = form.closest("li")._item;
    if (!text && current.translation === null) {
      setText(error, t("translate.type_first"));
      box.focus();
      return;
    }
    save.disabled = true;
    setText(saved, "");
    try {
      await socket.request("translate", { kind: current.kind, item: current.id, text });
      setText(error, "");
      setText(saved, text ? t("translate.saved") : t("translate.removed_one"));
    } catch (err) {
      setText(error, errorText(err));
    } finally {
      save.disabled = false;
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
  });
  box.addEventListener("input", () => {
    updateCount(box, count);
    setText(saved, "");
  });
  return el("li", { class: "item card" },
    el("div", { class: "item-head" },
      el("h2", { class: "item-label", id: `${id}-label` }),
      el("span", { class: "status" })),
    el("figure", { class: "original" },
      el("figcaption", { class: "muted" }),
      el("blockquote", { dir: "auto" })),
    form);
}

function updateCount(box, count) {
  const limit = Number(box.dataset.limit || 0);
  setText(count, t("translate.count", { count: box.value.trim().length, limit }));
  count.classList.toggle("over", box.value.trim().length > limit);
}

function updateItem(li, item) {
  li._item = item;
  const [head, figure, form] = li.children;
  const [heading, status] = head.children;
  setText(heading, label(item));
  const state = item.stale ? "stale" : item.translation === null ? "todo" : "done";
  li.dataset.state = state;
  setText(status, t(`translate.status.${state}`));
  status.className = `status ${state}`;
  setText(figure.children[0], t("translate.original"));
  setText(figure.children[1], item.original);
  const [labelNode, box, meta] = form.children;
  setText(labelNode, t("translate.field"));
  box.dataset.limit = String(item.limit);
  box.disabled = Boolean(view.removed);
  syncValue(box, item.translation ?? "");
  const [count, , hint] = [...meta.childNodes];
  updateCount(box, count);
  setText(hint, t("translate.hint"));
  const save = form.querySelector("button.save");
  setText(save, t("translate.save"));
  save.setAttribute("aria-label", t("translate.save_label", { what: label(item) }));
  save.disabled = Boolean(view.removed);
  const onlyTodo = $("#only-todo").checked;
  li.hidden = onlyTodo && !needsWork(item) && !li.contains(document.activeElement);
}

function render() {
  if (!view || broken) return;
  $("#work").hidden = false;
  const name = targetName();
  setText($("#heading"), t("translate.heading", { language: name }));
  $("#heading").lang = language() === "qps" ? "en" : language();
  document.title = t("translate.page.title_into", { language: name });
  setText($("#meeting"), view.title ? t("translate.meeting", { title: view.title }) : "");
  $("#removed").hidden = !view.removed;
  $("#ended").hidden = !view.ended;
  const total = view.items.length;
  setText($("#progress"), total
    ? tn("translate.progress", total, { done: view.translated }) + (view.stale ? ` · ${tn("translate.stale_count", view.stale)}` : "")
    : "");
  $("#none").hidden = total > 0;
  const onlyTodo = $("#only-todo").checked;
  $("#all-done").hidden = !(onlyTodo && total > 0 && !view.items.some(needsWork));
  keyed($("#items"), view.items, (item) => item.key, createItem, updateItem);
}

const only = $("#only-todo");
only.checked = localStorage.getItem(ONLY_TODO) === "1";
only.addEventListener("change", () => {
  localStorage.setItem(ONLY_TODO, only.checked ? "1" : "");
  render();
});

onLanguageChange(() => {
  if (broken) wordProblem();
  render();
});

if (!key || !target) {
  problem({ code: key ? "unknown_language" : "bad_key" });
} else {
  socket.connect();
}
