"""What the browser tests do to the app's page, written once for every test module."""

from __future__ import annotations


def set_cutoff(page, months: int) -> None:
    """Type a cut-off into the slider's read-out, as a user would."""
    page.locator(".sjia-cutoff .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(months))
    page.keyboard.press("Enter")


def screenshot(page, path) -> None:
    """The whole app, not just the window: grow the window to the app's height for the picture."""
    size = page.viewport_size
    page.evaluate("window.scrollTo(0, 0)")
    height = page.evaluate("Math.ceil(document.querySelector('.sjia-app').getBoundingClientRect().bottom) + 40")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(300)  # let the last paint settle
    page.screenshot(path=path)
    page.set_viewport_size(size)


#: Impacts that fail the accessibility audit (axe's "moderate" and "minor" are reported, not failed).
FAILING_IMPACTS = ("serious", "critical")


def audit(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per rule.

    axe-core is the copy bundled in the ``axe-playwright-python`` package, injected from this computer.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(f"{n['target']}: {n.get('failureSummary', '')}".replace("\n", " ") for n in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
