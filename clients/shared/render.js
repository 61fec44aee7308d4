// Rendering views into the page without losing what someone is doing there.
//
// Every page re-renders on every view, and a view can come several times a second (a hand raised,
// a ballot cast anywhere in the room).  Rebuilding a list with replaceChildren() wipes whatever is
// half-typed in it, closes its <details>, and drops the focus to <body>.  The helpers here update
// nodes in place instead, so a page can re-render as often as it likes:
//
//   keyed(parent, items, keyOf, create, update)  one child per item, kept by key, updated in place
//   keepFocus(fn)                                run fn (which may move nodes); the focus, caret and
//                                                selection come back if the move took them away
//   setText(node, text)                          textContent, written only when it changed
//   syncValue(input, value)                      a server-owned value into a form field, written only
//                                                when the server's value changed (never on an
//                                                unrelated re-render, so typing is never overwritten)
//
// socket.js re-exports keyed() (pages imported it from there first).

/** What has the focus now, with its caret and selection (for keepFocus). */
function focusState() {
  const active = document.activeElement;
  if (!active || active === document.body) return null;
  const state = { node: active };
  try {
    if (typeof active.selectionStart === "number") {
      state.start = active.selectionStart;
      state.end = active.selectionEnd;
      state.direction = active.selectionDirection;
    }
  } catch { /* inputs without a selection (checkbox, radio) */ }
  return state;
}

function restoreFocus(state) {
  if (!state || document.activeElement === state.node || !state.node.isConnected) return;
  state.node.focus({ preventScroll: true });
  if (state.start !== undefined && document.activeElement === state.node) {
    try { state.node.setSelectionRange(state.start, state.end, state.direction); } catch { /* no selection */ }
  }
}

/**
 * Run ``fn`` (which may move nodes around: inserting a node that is already in the page takes it
 * out first, and the browser then drops the focus).  If the focused element is still in the page
 * afterwards but lost the focus, it gets it back with its caret and selection.
 */
export function keepFocus(fn) {
  const state = focusState();
  try {
    return fn();
  } finally {
    restoreFocus(state);
  }
}

/**
 * Render ``items`` into ``parent``, one child per item, keyed by ``keyOf(item)``: a child whose
 * key is still there is kept and passed to ``update(node, item)``; new ones come from
 * ``create(item)`` (and are then passed to ``update`` too); the rest are removed; the order
 * follows ``items``.  Kept nodes keep their focus, caret, open <details> and whatever was typed
 * in them, so a list can re-render on every view.  Nodes are moved only when out of order, and
 * children that keyed() did not make (no ``data-key``) are removed.
 */
export function keyed(parent, items, keyOf, create, update = () => {}) {
  keepFocus(() => {
    const old = new Map();
    for (const node of [...parent.children]) {
      if (node.dataset.key === undefined || old.has(node.dataset.key)) node.remove();
      else old.set(node.dataset.key, node);
    }
    const nodes = items.map((item) => {
      const key = String(keyOf(item));
      let node = old.get(key);
      if (node) old.delete(key);
      else {
        node = create(item);
        node.dataset.key = key;
      }
      update(node, item);
      return node;
    });
    for (const node of old.values()) node.remove();
    // Place each node after the previous one, moving only those that are out of place.
    let before = null;
    for (const node of nodes) {
      const at = before ? before.nextElementSibling : parent.firstElementChild;
      if (at !== node) parent.insertBefore(node, at);
      before = node;
    }
  });
}

/** Set ``node.textContent`` only if it differs (no needless mutation, live regions stay quiet). */
export function setText(node, text) {
  const value = String(text ?? "");
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Put a value the server owns (a name, a choice made earlier) into a form field, but only when
 * the server's value changed since the last time: a re-render for anything else leaves what the
 * person is typing or picking alone.  Returns true if it wrote.
 */
export function syncValue(input, value) {
  const wanted = String(value ?? "");
  if (input.dataset.synced === wanted) return false;
  input.dataset.synced = wanted;
  if (input.value !== wanted) input.value = wanted;
  return true;
}
