"""Deterministic landing-folder generator: `python -m lakehouse.generator --out DIR ...`."""

from lakehouse.generator.core import (
    FILE_FAULTS,
    MANIFEST,
    ROW_FAULTS,
    GeneratorConfig,
    Manifest,
    generate,
    read_manifest,
)

__all__ = [
    "FILE_FAULTS",
    "MANIFEST",
    "ROW_FAULTS",
    "GeneratorConfig",
    "Manifest",
    "generate",
    "read_manifest",
]
