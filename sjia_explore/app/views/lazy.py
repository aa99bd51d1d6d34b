"""A view whose widgets are made the first time it is on screen.

A class opening the app at once pays for every widget of every kernel: the
sections in tabs that are not shown and the closed panels hold most of them.
Each of those views is a :class:`LazyView`: its :attr:`~LazyView.box` (an empty
``VBox``, the tab's or panel's child) is all the page gets until the view is
first shown. The explorer calls :meth:`~LazyView.build` when the view's section
(or panel) is opened, by a click or by the page address, before it renders the
view. Until then every call that writes a widget (``render``, ``sync``…) is kept,
the latest of each, and made on the new widgets when they are built: the view
comes up exactly as if it had been built at the start. A widget asked for by
name before then (``view.outcome`` in a notebook or a test) builds the view
first; the explorer itself reads a view's controls only once it is built
(``view.read(state)`` answers from the view state until then).

Examples
--------
>>> class Note(LazyView):
...     def _build(self):
...         self.text = W.HTML()
...         return [self.text]
...     def render(self, words):
...         if self._later("render", words):
...             return
...         self.text.value = words
>>> note = Note("sjia-note")
>>> note.render("kept until shown")
>>> note.built, note.box.children
(False, ())
>>> note.build()
>>> note.text.value
'kept until shown'
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

W = widgets


class LazyView:
    """A view built on first use; subclasses make their widgets in :meth:`_build` (returning the box's children).

    Parameters
    ----------
    *css
        Classes of the (always present) box, so the page can find the section before it is built.
    """

    def __init__(self, *css: str):
        self.built = False
        self._calls: dict[str, tuple] = {}
        self._when_built: list[Callable[[LazyView], None]] = []
        self.box = W.VBox()
        for name in css:
            self.box.add_class(name)

    def _build(self) -> list:
        raise NotImplementedError

    def build(self) -> None:
        """Make the widgets (once), show what was rendered meanwhile, then call the :meth:`when_built` hooks."""
        if self.built:
            return
        self.built = True
        self.box.children = self._build()
        calls, self._calls = self._calls, {}
        for name, args in calls.items():
            getattr(self, name)(*args)
        for hook in self._when_built:
            hook(self)

    def when_built(self, hook: Callable[[LazyView], None]) -> None:
        """Call ``hook(view)`` once the widgets exist (at once when they already do): where its controls are
        observed."""
        if self.built:
            hook(self)
        else:
            self._when_built.append(hook)

    def _later(self, name: str, *args) -> bool:
        """True when the widgets are not built yet: the call ``name(*args)`` is kept (the latest of each name,
        in the order last made) and made when they are."""
        if self.built:
            return False
        self._calls.pop(name, None)
        self._calls[name] = args
        return True

    def __getattr__(self, name: str):
        # A widget asked for before the view was shown (a notebook, a test): build the view, then answer.
        if name.startswith("_") or self.__dict__.get("built", True):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.build()
        return getattr(self, name)
