"""What browser tests check on every page: nothing that matters is clipped, and axe finds nothing.

``inside(page, selectors)`` lists the matching elements that are outside the viewport or outside
any ancestor that clips them (``to_be_visible()`` is true for a box hidden by an
``overflow: hidden`` parent, so it can't tell).  ``assert_accessible(page, what)`` runs axe-core
(bundled by axe-playwright-python, served from this machine: no network) and fails with every
violation listed.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from playwright.async_api import Page

INSIDE = """(selectors) => {
  const bad = [];
  for (const selector of selectors) for (const e of document.querySelectorAll(selector)) {
    if (e.closest('[hidden]') || e.offsetParent === null) continue;
    const r = e.getBoundingClientRect();
    if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
      bad.push(`${selector} "${e.textContent.slice(0, 40)}" outside the viewport`);
      continue;
    }
    for (let a = e.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const c = a.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.top < c.top - 0.5 || r.right > c.right + 0.5 || r.bottom > c.bottom + 0.5) {
        bad.push(`${selector} "${e.textContent.slice(0, 40)}" clipped by ${a.tagName}.${a.className}`);
        break;
      }
    }
  }
  return bad;
}"""

_AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


async def inside(page: Page, selectors: list[str]) -> list[str]:
    """The elements among ``selectors`` that are not wholly inside the viewport and every clipping ancestor."""
    return await page.evaluate(INSIDE, selectors)


async def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule, impact, where)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_AXE_JS)
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for v in result["violations"]:
        for node in v["nodes"]:
            lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:160]}")
    return lines


async def assert_accessible(page: Page, what: str) -> None:
    """Fail with every axe violation on ``page`` (``what`` names the page and its state)."""
    bad = await axe_violations(page)
    assert not bad, f"axe on {what}:\n" + "\n".join(bad)
