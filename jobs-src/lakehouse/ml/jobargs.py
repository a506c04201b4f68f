"""Command-line options the ML entry points share: where the tables are and which feature table to read."""

from __future__ import annotations

import argparse
from pathlib import Path

from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--catalog", help="Unity Catalog catalog of the environment")
    where.add_argument("--warehouse", type=Path, help="local warehouse folder (as the runner writes it)")
    parser.add_argument("--checkpoint-root", help="with --catalog: volume path of the stream checkpoints")
    parser.add_argument("--features-table", required=True, help="catalogue key of the feature table")


def locations_of(args: argparse.Namespace) -> TableLocations:
    if args.warehouse is not None:
        return LocalLocations(args.warehouse)
    if not args.checkpoint_root:
        raise ValueError("--catalog needs --checkpoint-root")
    return UnityCatalogLocations(args.catalog, args.checkpoint_root)
