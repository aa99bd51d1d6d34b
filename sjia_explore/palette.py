"""Every colour of the package, for the charts and for the app's page, in a light and a dark theme.

The charts (:mod:`sjia_explore.plots`) and the app's style sheet
(:mod:`sjia_explore.app.theme`) both read from here, so a colour changes in one place.

Examples
--------
>>> page(dark=True)["--sjia-bg"] == DARK["background"]
True
"""

from __future__ import annotations

#: Colour-blind-safe colours, in group order (early, late, ...); "not recorded" is grey.
PALETTE = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#b7791f", "#c53030")
MISSING_COLOUR = "#8a8a8a"
RECONSTRUCTED_COLOUR = "#9b2c2c"
#: The same hues, lighter, for a dark background.
PALETTE_DARK = ("#63b3ed", "#f6ad55", "#68d391", "#b794f4", "#ecc94b", "#fc8181")
MISSING_COLOUR_DARK = "#a8a8a8"
RECONSTRUCTED_COLOUR_DARK = "#feb2b2"

#: Neutral colours of the two themes: page background, text, axes and grid.
LIGHT = {"background": "#ffffff", "text": "#1a1a1a", "subtle": "#444444", "grid": "#e6e6e6",
         "domain": "#888888", "muted": "#9a9a9a", "band": "#000000"}
DARK = {"background": "#1a1a1a", "text": "#e8e8e8", "subtle": "#c4c4c4", "grid": "#383838",
        "domain": "#8c8c8c", "muted": "#8a8a8a", "band": "#ffffff"}

#: JupyterLab's own colour variables for a light and a dark app. Setting them on the app (and, in Voila,
#: on the page) makes every widget inside follow, whatever theme the page itself has.
_LAB_LIGHT = {
    "--jp-layout-color0": "#ffffff", "--jp-layout-color1": "#ffffff", "--jp-layout-color2": "#eeeeee",
    "--jp-layout-color3": "#bdbdbd", "--jp-layout-color4": "#757575",
    "--jp-ui-font-color0": "rgba(0,0,0,1)", "--jp-ui-font-color1": "rgba(0,0,0,0.87)",
    "--jp-ui-font-color2": "rgba(0,0,0,0.54)", "--jp-ui-font-color3": "rgba(0,0,0,0.38)",
    "--jp-content-font-color0": "rgba(0,0,0,1)", "--jp-content-font-color1": "rgba(0,0,0,0.87)",
    "--jp-content-font-color2": "rgba(0,0,0,0.54)", "--jp-content-font-color3": "rgba(0,0,0,0.38)",
    "--jp-border-color0": "#bdbdbd", "--jp-border-color1": "#bdbdbd", "--jp-border-color2": "#e0e0e0",
    "--jp-border-color3": "#eeeeee", "--jp-brand-color1": "#1976d2", "--jp-brand-color2": "#64b5f6",
    "--jp-input-background": "#f5f5f5", "--jp-inverse-border-color": "#757575",
    "--jp-widgets-color": "rgba(0,0,0,0.87)", "--jp-widgets-label-color": "rgba(0,0,0,0.87)",
    "--jp-widgets-readout-color": "rgba(0,0,0,0.87)", "--jp-widgets-input-color": "rgba(0,0,0,0.87)",
    "--jp-widgets-input-background-color": "#ffffff", "--jp-widgets-input-border-color": "#bdbdbd",
    "--jp-widgets-slider-handle-background-color": "#ffffff",
    "--jp-widgets-slider-handle-border-color": "#bdbdbd",
    "--jp-widgets-slider-active-handle-color": "#1976d2", "--jp-widgets-input-focus-border-color": "#64b5f6",
}
_LAB_DARK = {
    "--jp-layout-color0": "#1a1a1a", "--jp-layout-color1": "#1a1a1a", "--jp-layout-color2": "#3a3a3a",
    "--jp-layout-color3": "#5a5a5a", "--jp-layout-color4": "#757575",
    "--jp-ui-font-color0": "rgba(255,255,255,1)", "--jp-ui-font-color1": "rgba(255,255,255,0.87)",
    "--jp-ui-font-color2": "rgba(255,255,255,0.6)", "--jp-ui-font-color3": "rgba(255,255,255,0.45)",
    "--jp-content-font-color0": "rgba(255,255,255,1)", "--jp-content-font-color1": "rgba(255,255,255,0.9)",
    "--jp-content-font-color2": "rgba(255,255,255,0.7)", "--jp-content-font-color3": "rgba(255,255,255,0.5)",
    "--jp-border-color0": "#616161", "--jp-border-color1": "#616161", "--jp-border-color2": "#424242",
    "--jp-border-color3": "#303030", "--jp-brand-color1": "#64b5f6", "--jp-brand-color2": "#90caf9",
    "--jp-input-background": "#2a2a2a", "--jp-inverse-border-color": "#9e9e9e",
    "--jp-widgets-color": "rgba(255,255,255,0.9)", "--jp-widgets-label-color": "rgba(255,255,255,0.9)",
    "--jp-widgets-readout-color": "rgba(255,255,255,0.9)", "--jp-widgets-input-color": "rgba(255,255,255,0.9)",
    "--jp-widgets-input-background-color": "#2a2a2a", "--jp-widgets-input-border-color": "#6a6a6a",
    "--jp-widgets-slider-handle-background-color": "#2a2a2a",
    "--jp-widgets-slider-handle-border-color": "#9e9e9e",
    "--jp-widgets-slider-active-handle-color": "#64b5f6", "--jp-widgets-input-focus-border-color": "#90caf9",
}
#: The app's own colours: banners, panels, messages.
_APP_LIGHT = {
    "--sjia-muted": "#4a4a4a", "--sjia-heading": "#222222", "--sjia-line": "#e2e2e2",
    "--sjia-table-line": "#eeeeee", "--sjia-banner-bg": "#fff5f5", "--sjia-banner-border": RECONSTRUCTED_COLOUR,
    "--sjia-banner-text": "#63171b", "--sjia-banner-strong": RECONSTRUCTED_COLOUR, "--sjia-panel-bg": "#fafafa",
    "--sjia-panel-border": "#dddddd", "--sjia-error-bg": "#fffaf0", "--sjia-error-border": "#c05621",
    "--sjia-error-text": "#652b19", "--sjia-notice-bg": "#f0f7ff", "--sjia-notice-border": PALETTE[0],
    "--sjia-notice-text": "#1a365d", "--sjia-empty-bg": "#f7f7f7", "--sjia-caution": "#744210",
    "--sjia-ok": PALETTE[2], "--sjia-code-bg": "#f3f3f3",
}
_APP_DARK = {
    "--sjia-muted": "#bdbdbd", "--sjia-heading": "#f0f0f0", "--sjia-line": "#3a3a3a",
    "--sjia-table-line": "#333333", "--sjia-banner-bg": "#3b1f1f", "--sjia-banner-border": PALETTE_DARK[5],
    "--sjia-banner-text": "#fed7d7", "--sjia-banner-strong": RECONSTRUCTED_COLOUR_DARK, "--sjia-panel-bg": "#222222",
    "--sjia-panel-border": "#444444", "--sjia-error-bg": "#3a2a14", "--sjia-error-border": PALETTE_DARK[1],
    "--sjia-error-text": "#feebc8", "--sjia-notice-bg": "#1a2a3d", "--sjia-notice-border": PALETTE_DARK[0],
    "--sjia-notice-text": "#bee3f8", "--sjia-empty-bg": "#242424", "--sjia-caution": "#f6d28b",
    "--sjia-ok": PALETTE_DARK[2], "--sjia-code-bg": "#2b2b2b",
}


def page(dark: bool = False) -> dict[str, str]:
    """Every CSS variable of the app's page in one theme: JupyterLab's, then the app's own."""
    neutral = DARK if dark else LIGHT
    return {**(_LAB_DARK if dark else _LAB_LIGHT), "--sjia-bg": neutral["background"], "--sjia-text": neutral["text"],
            **(_APP_DARK if dark else _APP_LIGHT)}
