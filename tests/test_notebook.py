"""notebooks/explore.ipynb runs top to bottom against the sample corpus without an error."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.mark.slow
def test_explore_notebook_runs(repo: Path) -> None:
    if not any((repo / "data" / "raw").iterdir()):
        pytest.skip("data/raw holds no articles")
    path = repo / "notebooks" / "explore.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(repo)}},  # the working directory: the repo root
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "documents" in text and "report:" in text
    troops_plotted = any("image/png" in o.get("data", {}) for o in outputs)
    assert troops_plotted or "no dated troop counts" in text
