#!/usr/bin/env python
"""Build the chart library the app's page serves, and name it in the page template.

``python scripts/build_chart_library.py`` writes vega, vega-lite and vega-embed
(as vl-convert bundles them, no network) into one ES module,
``sjia_explore/_voila/voila/templates/sjia-offline/static/vega-<sha256[:12]>.js``,
removes the copy it replaces, and points the template's
``<meta name="sjia-chart-library">`` at the new file. Run it
after upgrading vl-convert-python. ``--check`` exits 1 when the template names
a file that is not there or whose hash is not its name.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sjia_explore import vega  # noqa: E402

TEMPLATE = vega.PAGE_STATIC.parent / "index.html.j2"
REFERENCE = re.compile(r"static/vega-[0-9a-f]{12}\.js")


def named_in_template() -> str | None:
    found = REFERENCE.search(TEMPLATE.read_text(encoding="utf-8"))
    return found.group(0) if found else None


def check() -> list[str]:
    """What is wrong with the library the template names (empty when nothing is)."""
    name = named_in_template()
    if name is None:
        return [f"{TEMPLATE} names no chart library (static/vega-<hash>.js)"]
    path = vega.PAGE_STATIC.parent / name
    if not path.is_file():
        return [f"{TEMPLATE} names {name}, which is not there"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    if digest not in path.name:
        return [f"{path.name}: its content's hash is {digest}"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check only; exit 1 on a problem")
    args = parser.parse_args(argv)
    if not args.check:
        path = vega.build_page_library()
        text = TEMPLATE.read_text(encoding="utf-8")
        TEMPLATE.write_text(REFERENCE.sub(f"static/{path.name}", text), encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
