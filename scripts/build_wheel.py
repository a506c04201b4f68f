"""Builds the `lakehouse` wheel the jobs install, reproducibly and once per content.

Synthesis calls this (constructs/workflows/python-wheel.ts) and so do the tests: the wheel is built from
`pyproject.toml` and the package folder only, with the pinned setuptools of `.venv` (no build isolation, no
index), and with SOURCE_DATE_EPOCH fixed so equal sources give a byte-identical wheel. The result is cached
under `<cache>/<hash>/`, where the hash covers every input file, so an unchanged package is not rebuilt
and a changed one gets a new folder (Databricks installs a library once per path).

Prints one JSON object: {"path", "fileName", "hash", "packageName", "entryPoints"}.

Usage: build_wheel.py --source jobs-src --package lakehouse --cache .cache/wheels
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

# What a package holds besides Python modules (see [tool.setuptools.package-data] in pyproject.toml).
PACKAGE_SUFFIXES = {".py", ".json", ".typed", ".yaml"}
# 1980-01-01, the earliest time a zip entry can carry.
REPRODUCIBLE_EPOCH = "315532800"


def input_files(source: Path, package: str) -> list[Path]:
    """pyproject.toml and the package's files, relative to `source`, sorted: exactly what the wheel holds."""
    files = [Path("pyproject.toml")]
    for path in sorted((source / package).rglob("*")):
        relative = path.relative_to(source)
        if any(part == "__pycache__" or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix in PACKAGE_SUFFIXES:
            files.append(relative)
    return files


def content_hash(source: Path, files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for relative in files:
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update((source / relative).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(source: Path, package: str, cache: Path) -> dict[str, object]:
    if not (source / "pyproject.toml").is_file():
        raise SystemExit(f"build_wheel: {source / 'pyproject.toml'} does not exist")
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    files = input_files(source, package)
    if len(files) == 1:
        raise SystemExit(f"build_wheel: package folder {source / package} holds no module")
    digest = content_hash(source, files)
    target = cache / digest
    wheels = sorted(target.glob("*.whl")) if target.is_dir() else []
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="wheel-", dir=cache) as scratch:
            tree = Path(scratch) / "src"
            for relative in files:
                (tree / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / relative, tree / relative)
            out = Path(scratch) / "out"
            command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
            command += ["--no-index", "--wheel-dir", str(out), str(tree)]
            env = {
                **os.environ,
                "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH,
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            }
            completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                raise SystemExit(f"build_wheel: pip wheel failed for {source}:\n{completed.stderr}")
            # Parallel builds of the same content race to this rename; the first wins, the others find it.
            try:
                out.rename(target)
            except OSError:
                if not target.is_dir():
                    raise
        wheels = sorted(target.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"build_wheel: expected one wheel in {target}, found {len(wheels)}")
    return {
        "path": str(wheels[0].resolve()),
        "fileName": wheels[0].name,
        "hash": digest,
        "packageName": project["name"],
        "entryPoints": sorted(project.get("scripts", {})),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="folder holding pyproject.toml")
    parser.add_argument("--package", required=True, help="package folder inside --source")
    parser.add_argument("--cache", type=Path, required=True, help="folder the wheels are cached in")
    args = parser.parse_args(argv)
    print(json.dumps(build(args.source.resolve(), args.package, args.cache.resolve())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
