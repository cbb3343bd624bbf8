"""The allowed arrows — core <- service <- (Lambda | gunicorn), core <- Odoo addons — checked by
import-linter with the contracts in pyproject.toml; and proof that a forbidden import fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(*pythonpath: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # import-linter puts its working directory first on sys.path.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath)}
    return subprocess.run(
        [LINT, "--no-logo", "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_contract_is_kept():
    result = _lint(ROOT / "odoo_addon")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_importing_the_service_breaks_the_contract(tmp_path):
    # A copy of the core (found first on PYTHONPATH) with one forbidden import added.
    shutil.copytree(
        ROOT / "originlink", tmp_path / "originlink", ignore=shutil.ignore_patterns("data")
    )
    module = tmp_path / "originlink" / "classify.py"
    module.write_text(module.read_text() + "\nimport originlink_service.service  # noqa\n")
    result = _lint(tmp_path, ROOT / "odoo_addon", cwd=tmp_path)
    assert result.returncode != 0
    assert "originlink.classify -> originlink_service.service" in result.stdout
    assert "The core imports nothing from the edges" in result.stdout
