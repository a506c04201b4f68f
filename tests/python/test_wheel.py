"""The jobs' wheel: built by scripts/build_wheel.py (what synthesis uploads), it holds the whole package and
its entry points run the jobs, with nothing from the repository on the path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JOBS_SRC = REPO / "jobs-src"
BUILD = [sys.executable, str(REPO / "scripts" / "build_wheel.py")]
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
ENTRY_POINTS = [
    "churn_promote",
    "churn_score",
    "churn_train",
    "dq_report",
    "gdpr_erasure",
    "medallion",
    "replicate",
    "table_maintenance",
]


def build(cache: Path) -> dict[str, object]:
    completed = subprocess.run(
        [*BUILD, "--source", str(JOBS_SRC), "--package", "lakehouse", "--cache", str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return build(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="module")
def installed(wheel: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into an empty folder, as a cluster installs a task library."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(wheel["path"])],
        check=True,
    )
    return target


def run_isolated(site: Path, code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed wheel first on the path, started outside the repository."""
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=site, env=env, capture_output=True, text=True, check=False
    )


def test_holds_every_module_and_the_catalogue(wheel: dict[str, object]) -> None:
    with zipfile.ZipFile(str(wheel["path"])) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("lakehouse-0.1.0.dist-info/entry_points.txt").decode()
    package = JOBS_SRC / "lakehouse"
    expected = {
        path.relative_to(JOBS_SRC).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix in {".py", ".json", ".typed", ".yaml"}
    }
    assert expected - names == set()
    assert "lakehouse/catalogue.json" in names
    scripts = tomllib.loads((JOBS_SRC / "pyproject.toml").read_text())["project"]["scripts"]
    assert sorted(scripts) == wheel["entryPoints"] == ENTRY_POINTS
    for name, target in scripts.items():
        assert f"{name} = {target}" in entry_points


def test_is_reproducible_and_cached_by_content(wheel: dict[str, object], tmp_path: Path) -> None:
    again = build(tmp_path)
    assert again["hash"] == wheel["hash"]
    assert again["path"] != wheel["path"]
    assert Path(str(again["path"])).read_bytes() == Path(str(wheel["path"])).read_bytes()
    # A second call finds the cached build instead of building again.
    cached = build(tmp_path)
    assert cached["path"] == again["path"]
    assert Path(str(cached["path"])).stat().st_mtime_ns == Path(str(again["path"])).stat().st_mtime_ns


def test_installed_wheel_imports_the_package_and_its_catalogue_from_itself(installed: Path) -> None:
    code = (
        "import importlib, pkgutil, lakehouse\n"
        "from lakehouse.catalogue import load_catalogue\n"
        "print(lakehouse.__file__)\n"
        "for m in pkgutil.walk_packages(lakehouse.__path__, 'lakehouse.'):\n"
        "    if '.pipelines.definitions' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print(len(load_catalogue().tables))\n"
    )
    completed = run_isolated(installed, code)
    assert completed.returncode == 0, completed.stderr
    location, tables = completed.stdout.split()
    assert Path(location).is_relative_to(installed)
    assert int(tables) > 10


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_entry_points_run_their_job_with_the_task_arguments(installed: Path, name: str) -> None:
    """Each entry point hands sys.argv to its job: `--help` exits 0 printing that job's usage, and an
    invalid command line fails with argparse's status 2, as a failed task must."""
    code = (
        "import sys\n"
        "from importlib.metadata import entry_points\n"
        f"(script,) = entry_points(group='console_scripts', name='{name}')\n"
        "sys.argv = ['task', *sys.argv[1:]]\n"
        "script.load()()\n"
    )
    helped = run_isolated(installed, code, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "usage:" in helped.stdout
    failed = run_isolated(installed, code, "--no-such-option")
    assert failed.returncode == 2
    assert "error:" in failed.stderr
