"""Tests for the package as installed: declared dependencies, python -m, and a wheel in a fresh venv."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, THRESHOLDS
from packaging.requirements import Requirement

PACKAGE = ROOT / "generator"


def _imported_top_modules() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "__future__"}


def test_every_imported_library_is_a_declared_dependency() -> None:
    declared = {Requirement(r).name.lower() for r in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]}
    distributions = importlib.metadata.packages_distributions()
    undeclared = {module: distributions.get(module) for module in _imported_top_modules()
                  if not {d.lower() for d in distributions.get(module, [])} & declared}
    assert undeclared == {}


def test_python_m_avtalsgenerator_runs_the_cli(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "avtalsgenerator", "validera", "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{len(list(EXAMPLES.glob('*.json')))} avtal utan fel." in result.stdout
    usage = subprocess.run([sys.executable, "-m", "avtalsgenerator", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert usage.stdout.startswith("Användning: avtal ")


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_validates_an_example(tmp_path: Path) -> None:
    """Build the wheel from a copy of the source, install it alone in a new venv and run it from another folder.

    Offline: the wheel is built without build isolation (setuptools comes with the dev extras), and the new venv
    sees this environment's libraries through a .pth file, not its .pth files, so the editable install is not visible.
    """
    source = tmp_path / "kalla"
    for name in ("generator", "schema"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("avtalsgenerator-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True, capture_output=True, text=True).stdout.strip()
    libraries = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site, "_avtal_test_bibliotek.pth").write_text("\n".join(sorted(libraries)) + "\n", encoding="utf-8")

    elsewhere = tmp_path / "annanstans"
    elsewhere.mkdir()
    example = shutil.copy(EXAMPLES / "region-internetbehandling.json", elsewhere / "avtal.json")
    thresholds = shutil.copy(THRESHOLDS, elsewhere / "troskel.json")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run([python, "-c", "import avtalsgenerator; print(avtalsgenerator.__file__)"], cwd=elsewhere, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    result = subprocess.run([venv / "bin" / "avtal", "validera", str(example), "--troskelvarden", str(thresholds)],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 avtal utan fel.\n"
    broken = subprocess.run([python, "-m", "avtalsgenerator", "validera", str(elsewhere / "saknas.json"), "--troskelvarden", str(thresholds)],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert f"{elsewhere / 'saknas.json'}: filen finns inte" in broken.stderr
