"""CPU a new viewer's kernel spends before its first chart, against the trivial notebook, in the same run.

Each viewer of the app gets a kernel of its own. What that kernel does before the
first chart is what a class opening the link at once pays, once per viewer. This
runs, in a fresh Python process each time (as a new kernel: nothing imported
yet), the kernel's own imports (``ipykernel.ipkernel``) and then the code cells of
``app.ipynb`` (the dashboard with its first chart computed) or of
``benchmarks/trivial.ipynb`` (one Dropdown, one Label), and reads
``time.process_time()`` at the end: the process's CPU seconds, less sensitive to
a busy machine than wall time. App and trivial runs alternate; the ratio is
taken pair by pair. The package's bytecode and the charts' JavaScript are
prepared first, as ``sjia-explore app`` does before it starts any kernel.

Keys: ``kernel_start_cpu_s`` (app), ``kernel_start_cpu_s_trivial``,
``kernel_start_cpu_ratio`` (app / trivial), each with ``_min``, ``_max``, ``_n``.

Usage::

    python -m benchmarks.kernel_start            # 5 pairs, prints the figures as JSON
    python -m benchmarks.kernel_start --repeats 9
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.ipynb"
TRIVIAL = REPO / "benchmarks" / "trivial.ipynb"

#: Run in each fresh process: the kernel's own imports, the notebook, then the CPU used since the process began.
PROGRAM = """
import ipykernel.ipkernel
import IPython.display
IPython.display.display = lambda *objects, **kwargs: None  # no front end: the kernel would send the view
{code}
import json, sys, time
print(json.dumps({{"cpu_s": time.process_time(), "modules": len(sys.modules)}}))
"""


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, in order."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return "\n\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")


def one_run(notebook: Path, timeout_s: float = 300) -> dict:
    """CPU seconds of a fresh process that runs ``notebook``'s code as a new kernel would."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    res = subprocess.run([sys.executable, "-c", PROGRAM.format(code=notebook_code(notebook))], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=timeout_s)
    if res.returncode != 0:
        raise RuntimeError(f"{notebook.name} failed in a fresh process:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure(repeats: int = 5) -> dict:
    """``repeats`` alternating pairs (app, trivial); the figures as :func:`benchmarks.compute.put` keys."""
    from benchmarks.compute import put
    from sjia_explore.server import compile_package, prepare_chart_javascript

    compile_package()
    prepare_chart_javascript()
    app, trivial = [], []
    for _ in range(repeats):
        app.append(one_run(APP)["cpu_s"])
        trivial.append(one_run(TRIVIAL)["cpu_s"])
    out: dict = {}
    put(out, "kernel_start_cpu_s", app, digits=3)
    put(out, "kernel_start_cpu_s_trivial", trivial, digits=3)
    put(out, "kernel_start_cpu_ratio", [a / t for a, t in zip(app, trivial)], digits=2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="pairs of runs (default 5)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
