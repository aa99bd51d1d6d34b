"""environment.yml and pyproject.toml must ask for the same packages with the same lower bounds."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9.]*)\s*", requirement)
    assert match, f"requirement {requirement!r} should be 'name>=lower-bound'"
    return _normalise(match.group(1)), match.group(2)


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs.extend(extra)
    return dict(_parse(r) for r in reqs)


def _environment_requirements() -> dict[str, str]:
    found = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = re.fullmatch(r"\s+- ([A-Za-z0-9_.\-]+\s*>=\s*[0-9.]+)\s*", line)
        if item:
            name, bound = _parse(item.group(1))
            if name != "python":
                found[name] = bound
    return found


def test_every_dependency_has_a_lower_bound_and_is_in_environment_yml():
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_uses_conda_forge_and_installs_the_package():
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text
    assert re.search(r"- pip:\s*\n\s*- -e \.", text)


def test_the_dockerfiles_python_steps_run(tmp_path):
    """Each ``RUN python -c "..."`` of the Dockerfile runs against this package (no Docker engine needed)."""
    import os
    import subprocess
    import sys

    dockerfile = (Path(__file__).resolve().parents[1] / "Dockerfile").read_text(encoding="utf-8")
    snippets = re.findall(r'^RUN python -c "(.*)"\s*$', dockerfile, flags=re.M)
    assert snippets, "the Dockerfile should prepare the charts' JavaScript at build time"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for code in snippets:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{code}\n{done.stderr}"
    assert list((tmp_path / "sjia-explore").glob("vega-chart-*.js")), "the bundle was not cached"
