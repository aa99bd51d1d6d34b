"""The small browser-side widgets of the app; their JavaScript is in ``sjia_explore/_js/*.js``.

Each writes plain text only (``textContent``, never ``innerHTML``):

- :class:`AddressBar` keeps the page address equal to the view (Voila only);
- :class:`CopyButton` copies a text to the clipboard and says whether it worked;
- :class:`ShareAddress` shows the address of the view, to copy (the page's own address in Voila);
- :class:`PageTheme` reports whether the page is dark, and in Voila gives the page the app's theme;
- :class:`DownloadBar` hands files made in the kernel to the browser (nothing is written on the server);
- :class:`UploadButton` sends a chosen file to the kernel, after checking its size in the browser;
- :class:`KernelWatch` notices a lost kernel (Voila only), disables the controls and says so;
- :class:`AccessibleNames` makes the section headers keyboard buttons and names controls for screen readers.
"""

from __future__ import annotations

import importlib.resources
import logging
from typing import Callable

import anywidget
import traitlets

from sjia_explore import format as fmt

log = logging.getLogger("sjia_explore.app")


def _script(name: str) -> str:
    return importlib.resources.files("sjia_explore").joinpath("_js", name).read_text(encoding="utf-8")


class AddressBar(anywidget.AnyWidget):
    """Keeps the page address (query string) equal to ``query``; does nothing outside Voila."""

    _esm = _script("address_bar.js")
    query = traitlets.Unicode("").tag(sync=True)


class CopyButton(anywidget.AnyWidget):
    """A button that copies ``text`` to the clipboard and says whether it worked."""

    _esm = _script("copy_button.js")
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Copy").tag(sync=True)


class ShareAddress(anywidget.AnyWidget):
    """The address of the view, ``query`` after the page's own address (Voila), with a button that copies it.

    Outside Voila (JupyterLab) it shows the query alone (``?sex=F``), to add to the app's address.
    """

    _esm = _script("share_address.js")
    query = traitlets.Unicode("").tag(sync=True)


class PageTheme(anywidget.AnyWidget):
    """Reports whether the page is dark (``page_dark``), and in Voila gives the page the app's theme (``dark``).

    In JupyterLab only the app itself changes colour (the rest of JupyterLab is never restyled).
    """

    _esm = _script("page_theme.js")
    page_dark = traitlets.Bool(False).tag(sync=True)
    dark = traitlets.Bool(False).tag(sync=True)


class DownloadBar(anywidget.AnyWidget):
    """A row of download buttons. A click asks the kernel for the file; its bytes come back in the
    message and the browser saves them (a Blob and an ``<a download>``): nothing is written on the server.

    ``items`` is a list of ``{"key", "label", "title"}``; ``producer(key)`` returns
    ``(file name, MIME type, bytes)``.
    """

    _esm = _script("download_bar.js")
    items = traitlets.List(traitlets.Dict()).tag(sync=True)
    label = traitlets.Unicode("Download:").tag(sync=True)

    def __init__(self, producer: Callable[[str], tuple[str, str, bytes]], **kwargs):
        super().__init__(**kwargs)
        self._producer = producer
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "request":
            return
        key = str(content.get("key", ""))
        if key not in {item.get("key") for item in self.items}:
            return
        try:
            name, mime, data = self._producer(key)
        except Exception as exc:  # the page says so; the server log has the details
            log.error("the download %s could not be made", key, exc_info=exc)
            why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"  # ValueError: a reason
            self.send({"event": "error", "message": f"Could not make the file: {why.rstrip('.')}."})
            return
        self.send({"event": "file", "name": name, "mime": mime, "size": fmt.size(len(data))}, buffers=[data])


#: Longest file name kept from the browser, in characters.
MAX_FILE_NAME_CHARS = 200


class UploadButton(anywidget.AnyWidget):
    """A button that sends one chosen file to the kernel; a file over ``max_bytes`` is refused in the browser.

    A refused file is never sent: the page says why at once, and the kernel gets only its
    name and size (so the app can list it with the other upload problems). ``value``
    holds what arrived, as ipywidgets' FileUpload gives it (a tuple of one
    ``{"name", "size", "content"}``; ``"too_large": True`` for a refused file);
    it is kernel-side only. The kernel still checks the size of what arrived.
    """

    _esm = _script("upload_button.js")
    label = traitlets.Unicode("Upload").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)  # the button's title (not "tooltip": DOMWidget's own)
    accept = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(0).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    css = traitlets.Unicode("sjia-upload").tag(sync=True)  # classes: CSS-control, CSS-button, CSS-status
    value = traitlets.Tuple()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, buffers) -> None:
        if not isinstance(content, dict):
            return
        name = str(content.get("name") or "upload")[:MAX_FILE_NAME_CHARS]
        if content.get("event") == "file" and buffers:
            data = memoryview(buffers[0])
            self.value = ({"name": name, "type": "", "size": data.nbytes, "content": data},)
        elif content.get("event") == "too_large":
            size = content.get("size")
            self.value = ({"name": name, "type": "", "size": int(size) if isinstance(size, int) else 0,
                           "content": b"", "too_large": True},)
        self.send({"event": "received"})


class KernelWatch(anywidget.AnyWidget):
    """Notices, within seconds, that the kernel behind the page is gone, and says so (Voila only).

    The page pings the kernel every 2 s and the kernel answers; when answers stop for
    5 s, the page asks the server for the kernel's state (``GET api/kernels/<id>``):
    gone, dead, or silent while not busy for 9 s (restarted, so the widgets are lost)
    ends the session on the page: every control is disabled and ``title`` and
    ``message`` are shown above the app. A kernel that is only busy is waited for.
    """

    _esm = _script("kernel_watch.js")
    title = traitlets.Unicode("This session has ended.").tag(sync=True)
    message = traitlets.Unicode(
        "The connection to the Python session behind this page was lost, so the filters, charts and downloads "
        "no longer respond. Reload the page to start a new session: the page address keeps your view "
        "(filters, cut-off, open section and panel), so reloading brings it back. An uploaded file must be chosen "
        "again: the reloaded page names it and asks for it."
    ).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "ping":
            self.send({"event": "pong"})


class AccessibleNames(anywidget.AnyWidget):
    """Keyboard and screen-reader access ipywidgets leaves out, applied in the page.

    The Accordion's section headers become buttons reachable by Tab (Enter or Space
    opens them; ``aria-expanded`` says whether they are open); each control inside a
    widget with a CSS class in ``labels`` gets that name as its ``aria-label``
    (e.g. ``{"sjia-had-any-0": "had Adalimumab"}``).
    """

    _esm = _script("accessible_names.js")
    labels = traitlets.Dict().tag(sync=True)
