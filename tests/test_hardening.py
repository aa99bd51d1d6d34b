"""The served app leaks nothing: no data or source files by URL, no foreign Host, safe versions, no eval of data."""

import http.client
import re
from importlib.metadata import version
from pathlib import Path

import pytest

from sjia_explore.server import start_in_background

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sjia_explore"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Voila serving app.ipynb exactly as `sjia-explore app` does (no page is opened: no kernel starts)."""
    running = start_in_background(tmp_path_factory.mktemp("voila") / "voila.log", timeout_s=60)
    yield running.port
    running.stop()


def get(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


@pytest.mark.parametrize("path", [
    "/voila/files/data/patients.csv",
    "/voila/files/data/datapackage.json",
    "/voila/files/app.ipynb",
    "/voila/files/sjia_explore/__init__.py",
    "/voila/files/README.md",
    "/voila/files/docs/screenshot.png",
    "/voila/files/..%2F..%2Fetc%2Fpasswd",
    "/voila/files/../pyproject.toml",
    "/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/contents",
    "/api/contents/data/patients.csv",
    "/api/kernels",
    "/files/data/patients.csv",
    "/tree",
])
def test_no_data_source_or_system_file_can_be_downloaded(server, path):
    status, body = get(server, path)
    assert status != 200 or (b"patient_id" not in body and b"root:" not in body and b"import" not in body), \
        (path, status, body[:200])
    assert b"Q01,qiu2024" not in body and b"root:x:" not in body


def test_a_foreign_host_header_is_refused(server):
    """DNS-rebinding guard: the same request is answered for 127.0.0.1 and refused for another host name."""
    local, _ = get(server, "/api/kernels")
    foreign, _ = get(server, "/api/kernels", host=f"attacker.example:{server}")
    assert local != 403
    assert foreign == 403


def _at_least(installed: str, floor: tuple[int, ...]) -> bool:
    parts = tuple(int(p) for p in re.findall(r"\d+", installed)[: len(floor)])
    return parts >= floor


@pytest.mark.parametrize(("package", "floor"), [
    ("voila", (0, 5, 6)),            # CVE-2024-30265 (files outside the notebook directory)
    ("jupyter_server", (2, 18, 0)),  # CVE-2026-35397, CVE-2026-40110, CVE-2026-40934
    ("tornado", (6, 5)),
])
def test_server_packages_are_at_or_above_the_patched_versions(package, floor):
    assert _at_least(version(package), floor), f"{package} {version(package)} is below the patched {floor}"


FORBIDDEN = re.compile(r"\.query\(|\.eval\(|(?<![\w.])eval\(|(?<![\w.])exec\(|\bpickle\b|read_pickle|yaml\.load\(")


def test_no_eval_exec_or_pickle_of_user_data_in_the_package():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if FORBIDDEN.search(code):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_served_folder_holds_no_image_that_could_leak_data():
    """Voila's default allowlist serves images beside the notebook; ours serves none, and no export lands there."""
    images = [p.relative_to(REPO) for p in REPO.glob("*") if p.suffix.lower() in {".png", ".jpg", ".gif", ".svg"}]
    assert images == []
