"""Every notebook is committed clean: no outputs, no execution counts, a python3 kernel, and a first
cell that tells the reader which data are reconstructed."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "app.ipynb"]
#: app.ipynb may open with a short title cell; the app itself shows the reconstructed-data banner.
SHORT_FIRST_CELL_CHARS = 400


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) > 1


def test_no_stored_outputs_or_execution_counts(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {i} has stored outputs; clear them before committing"
            assert cell.execution_count is None, f"{path.name}: cell {i} has an execution count"


def test_kernel_is_python3(notebook):
    path, nb = notebook
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec is not python3"


def test_first_cell_says_what_is_reconstructed(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell should be markdown"
    if path.name == "app.ipynb" and len(first.source) < SHORT_FIRST_CELL_CHARS:
        return
    assert "reconstructed" in first.source.lower(), f"{path.name}: the first cell should say what is reconstructed"
