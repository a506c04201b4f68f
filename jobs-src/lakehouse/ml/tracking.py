"""Where MLflow runs and registered models live: Databricks (workspace tracking, Unity Catalog registry)
when the job runs there, or URIs given on the command line (a local SQLite store in the tests)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import mlflow

from lakehouse.session import on_databricks

DATABRICKS_TRACKING = "databricks"
UNITY_CATALOG_REGISTRY = "databricks-uc"


@dataclass(frozen=True)
class Aliases:
    """Registered model alias names (the environment's `ml.aliases`)."""

    champion: str = "champion"
    """The version the endpoint serves and the scoring job uses."""
    challenger: str = "challenger"
    """The latest trained version, until promotion decides."""


DEFAULT_ALIASES = Aliases()


def aliases_of(args: argparse.Namespace) -> Aliases:
    return Aliases(champion=args.champion_alias, challenger=args.challenger_alias)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every ML entry point takes to find the tracking store and the registry."""
    parser.add_argument(
        "--model-name", required=True, help="registered model, <catalog>.<schema>.<name> in UC"
    )
    parser.add_argument(
        "--tracking-uri", default=None, help="MLflow tracking URI (default on Databricks: databricks)"
    )
    parser.add_argument("--champion-alias", default="champion", help="alias of the served, scoring version")
    parser.add_argument("--challenger-alias", default="challenger", help="alias training gives a new version")
    parser.add_argument(
        "--registry-uri", default=None, help="MLflow registry URI (default on Databricks: databricks-uc)"
    )


def configure(args: argparse.Namespace) -> None:
    """Points MLflow at the tracking store and registry; off Databricks both URIs must be given."""
    tracking = args.tracking_uri or (DATABRICKS_TRACKING if on_databricks() else None)
    registry = args.registry_uri or (UNITY_CATALOG_REGISTRY if on_databricks() else None)
    if tracking is None or registry is None:
        raise ValueError(
            "--tracking-uri and --registry-uri are required off Databricks, e.g. sqlite:///<folder>/mlflow.db"
        )
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry)
