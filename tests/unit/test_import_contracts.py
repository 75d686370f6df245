"""The import-linter contracts in pyproject.toml hold, and break when a layer imports upward."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
LAYERS = "Layers: each imports only from the layers below it"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_tree(target: Path) -> None:
    """The Python the contracts read, and their configuration; nothing else."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in config["tool"]["importlinter"]["root_packages"]:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("app.py", "cli.py", "settings.py", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)


def test_the_tree_keeps_its_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout


def test_services_importing_the_schema_breaks_the_layers(tmp_path: Path) -> None:
    copy_tree(tmp_path)
    with (tmp_path / "services" / "feed.py").open("a") as module:
        module.write("\nimport schema  # upward: services must not know GraphQL exists\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{LAYERS} BROKEN" in result.stdout
    assert "services.feed -> schema" in result.stdout
