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
