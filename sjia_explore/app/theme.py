"""The app's style sheet, generated from the one palette (:mod:`sjia_explore.palette`).

Two themes: the light one is the default; ``.sjia-theme-dark`` on the app (and, in
Voila, ``sjia-page-dark`` on the page) switches every colour through CSS variables.

Examples
--------
>>> "--sjia-bg: #1a1a1a" in style_sheet()
True
"""

from __future__ import annotations

from functools import lru_cache

from sjia_explore import palette

#: The drop-down arrow of a dark select box (the browser's own is black on black).
_DARK_ARROW = ("url(\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='18' height='18' "
               "viewBox='0 0 18 18'><path d='M5 7l4 4 4-4z' fill='%23dddddd'/></svg>\")")

_RULES = """
body.sjia-page-dark, body.sjia-page-light { background: var(--sjia-bg); color: var(--sjia-text); }
body.sjia-page-dark .jp-RenderedHTMLCommon, body.sjia-page-dark .jp-RenderedMarkdown { color: var(--sjia-text); }
.sjia-app { font-size: 14px; color: var(--sjia-text); background: var(--sjia-bg); max-width: 1500px;
  padding: 4px 6px; }
.sjia-app .widget-html-content { line-height: 1.45; color: var(--sjia-text); }
.sjia-app .widget-label, .sjia-app .widget-readout, .sjia-app .widget-checkbox label { color: var(--sjia-text); }
.sjia-theme-dark .widget-dropdown > select { background-image: DARK_ARROW; }
.sjia-app a { color: var(--jp-brand-color1); }
.sjia-explanation ul { margin: 2px 0 8px 0; }
.sjia-app code { font-size: 12px; background: var(--sjia-code-bg); padding: 0 3px; border-radius: 2px; }
.sjia-app h3.sjia-heading { font-size: 13px; line-height: 1.3; margin: 12px 0 4px 0; font-weight: 600;
  color: var(--sjia-heading); }
.sjia-reconstructed-label { background: var(--sjia-banner-bg); border-left: 6px solid var(--sjia-banner-border);
  padding: 8px 12px; color: var(--sjia-banner-text); line-height: 1.4; }
.sjia-reconstructed-label b { color: var(--sjia-banner-strong); }
.sjia-explanation, .sjia-box { background: var(--sjia-panel-bg); border: 1px solid var(--sjia-panel-border);
  padding: 4px 14px; line-height: 1.45; }
.sjia-error, .sjia-upload-problems { background: var(--sjia-error-bg); border-left: 6px solid var(--sjia-error-border);
  padding: 8px 12px; color: var(--sjia-error-text); }
.sjia-session-ended-banner { background: var(--sjia-error-bg); border-left: 6px solid var(--sjia-error-border);
  padding: 10px 14px; color: var(--sjia-error-text); font-size: 15px; position: sticky; top: 0; z-index: 10; }
.sjia-session-ended .widget-container, .sjia-session-ended .sjia-chart { opacity: 0.6; }
.sjia-notice, .sjia-upload-warnings, .sjia-missing-outcomes { background: var(--sjia-notice-bg);
  border-left: 6px solid var(--sjia-notice-border);
  padding: 6px 12px; color: var(--sjia-notice-text); }
.sjia-problem-line { font-family: var(--jp-code-font-family, monospace); font-size: 12.5px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.sjia-empty, .sjia-window-message { background: var(--sjia-empty-bg); border: 1px dashed #999; padding: 18px;
  font-size: 15px; }
.sjia-n { color: var(--sjia-muted); font-size: 12px; line-height: 1.35; margin: 0 0 2px 2px; }
.sjia-drug { font-size: 13px; }
.sjia-n-total { color: var(--sjia-text); font-size: 14px; margin: 4px 0 8px 0; }
.sjia-caution { color: var(--sjia-caution); }
.sjia-sidebar { border-right: 1px solid var(--sjia-line); padding-right: 12px; margin-right: 16px; }
.sjia-copy-status, .sjia-download-status { margin-left: 6px; color: var(--sjia-ok); }
.sjia-downloads { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin: 10px 0 4px 0; }
.sjia-downloads-label { font-weight: 600; margin-right: 4px; }
.sjia-downloads button { width: auto; padding: 0 10px; }
.sjia-table1 table, .sjia-stats table, .sjia-table table { border-collapse: collapse; font-size: 13px; }
.sjia-table1 th, .sjia-table1 td, .sjia-stats th, .sjia-stats td, .sjia-table th, .sjia-table td {
  padding: 2px 8px; border-bottom: 1px solid var(--sjia-table-line); text-align: left; vertical-align: top;
  color: var(--sjia-text); }
.sjia-stale { color: var(--sjia-caution); }
.sjia-ledger { border-left: 4px solid var(--sjia-notice-border); padding: 4px 12px; margin: 8px 0;
  background: var(--sjia-panel-bg); }
.sjia-ledger ul { margin: 2px 0 4px 0; }
.sjia-badge { display: inline-block; font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 3px;
  border: 1px solid var(--sjia-banner-border); color: var(--sjia-banner-strong); margin-left: 4px; }
.sjia-section-intro { max-width: 980px; }
.sjia-tabs { margin-top: 4px; }
.sjia-tabs .lm-TabBar-tab { flex: 0 0 auto !important; min-width: 150px; max-width: none !important; }
/* at any width every tab's whole title shows: the tabs wrap onto a second row rather than being cut */
.sjia-tabs > .lm-TabBar { height: auto !important; max-height: none !important; overflow: visible !important; }
.sjia-tabs .lm-TabBar-content { flex-wrap: wrap; }
/* a chart takes the width it is given and is redrawn to fit it (sjia_explore/_js/vega_chart.js) */
.sjia-app .sjia-vega { flex: 1 1 auto; min-width: 0; max-width: 100%; }
.sjia-filters-toggle { display: none; }
@media (max-width: 720px) {
  /* narrow screens: the sidebar goes above the charts, across the whole width, folded behind one button */
  .sjia-app .sjia-filters-toggle { display: block; flex: 1 1 100%; width: 100%; height: auto; min-height: 36px;
    margin: 0 0 8px 0; font-size: 15px; font-weight: 600; text-align: left; padding: 6px 12px; }
  .sjia-app .sjia-filters-toggle::after { content: " ▾"; }
  .sjia-app .sjia-filters-toggle[aria-expanded="true"]::after { content: " ▴"; }
  .sjia-app .sjia-sidebar:not(.sjia-sidebar-open) { display: none !important; }
  .sjia-app .sjia-sidebar { width: 100% !important; flex: 1 1 100% !important; border-right: none;
    border-bottom: 1px solid var(--sjia-line); padding: 0 0 8px 0; margin: 0 0 8px 0; }
  .sjia-app .sjia-sidebar .widget-text, .sjia-app .sjia-sidebar .widget-dropdown { width: 100% !important;
    max-width: 100%; }
  .sjia-tabs .lm-TabBar-tab { min-width: 0; }
  .sjia-topbar { flex-wrap: wrap; }
  .sjia-app { padding: 2px; }
}
.sjia-tabs .lm-TabBar-tabLabel { overflow: visible; text-overflow: clip; }
.sjia-app .jupyter-widget-Collapse-header, .sjia-app .sjia-tabs .lm-TabBar .lm-TabBar-tab { color: var(--sjia-text); }
/* every control shows where the keyboard is: one clear ring (at least 3:1 against the page in both themes) */
.sjia-app :focus-visible, .sjia-app .noUi-handle:focus, .sjia-app .widget-readout:focus,
.sjia-app .widget-text input:focus, .sjia-app .widget-textarea textarea:focus {
  outline: 2px solid var(--jp-brand-color1) !important; outline-offset: 2px; }
.sjia-app .lm-TabBar-tab.lm-mod-current { background: var(--sjia-bg); }
.sjia-upload-help { color: var(--sjia-muted); font-size: 12px; line-height: 1.35; }
.sjia-upload-status { color: var(--sjia-error-text); font-size: 12px; line-height: 1.35; }
.sjia-shared-file { background: var(--sjia-notice-bg); border-left: 6px solid var(--sjia-notice-border);
  padding: 6px 12px; color: var(--sjia-notice-text); line-height: 1.4; }
.sjia-shared-upload-status { color: var(--sjia-error-text); font-size: 12px; line-height: 1.35; }
.sjia-shared-upload-button { width: auto; max-width: 100%; padding: 0 12px; }
.sjia-share-address-control { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; }
.sjia-share-address-text { flex: 1 1 320px; min-width: 0; padding: 3px 6px; font-size: 12.5px;
  font-family: var(--jp-code-font-family, monospace); background: var(--sjia-bg); color: var(--sjia-text);
  border: 1px solid var(--sjia-line); }
.sjia-share-address-status { color: var(--sjia-ok); }
.sjia-source { font-size: 13px; line-height: 1.35; }
.sjia-topbar { align-items: center; }
.sjia-topbar .widget-toggle-buttons { margin-left: auto; flex: 0 0 auto; flex-wrap: nowrap; }
.sjia-topbar .sjia-n-total { min-width: 0; }
/* the selected toggle stands out by colour (at least 3:1 against the others), not by a faint shade only */
.sjia-app .widget-toggle-button.mod-active { background: var(--jp-brand-color1); color: var(--sjia-bg);
  font-weight: 600; }
"""


def _variables(dark: bool) -> str:
    return " ".join(f"{name}: {value};" for name, value in palette.page(dark).items())


@lru_cache(maxsize=1)
def style_sheet() -> str:
    """The app's ``<style>`` element: both themes' variables, then the rules that use them."""
    return (
        "<style>\n"
        f".sjia-app, .sjia-app.sjia-theme-light, body.sjia-page-light {{ {_variables(False)} }}\n"
        f".sjia-app.sjia-theme-dark, body.sjia-page-dark {{ {_variables(True)} color-scheme: dark; }}"
        + _RULES.replace("DARK_ARROW", _DARK_ARROW)
        + "</style>\n")
