"""The data app over a local warehouse (the runner's Delta folders), for trying it without Databricks:
`python -m lakehouse.app.local --warehouse .cache/warehouse [--port 8000]` listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from lakehouse.app.queries import reads
from lakehouse.app.server import AppServer, serve
from lakehouse.catalogue import load_catalogue
from lakehouse.locations import LocalLocations, TableLocations
from lakehouse.session import get_spark


class SparkBackend:
    """Runs the app's SQL with Spark over temp views of the tables it reads."""

    def __init__(self, spark: SparkSession, locations: TableLocations) -> None:
        self.spark = spark
        self.views = {key: "app_" + re.sub(r"\W", "_", key) for key in reads(load_catalogue()).values()}
        for key, view in self.views.items():
            locations.read(spark, key).createOrReplaceTempView(view)

    def table_name(self, key: str) -> str:
        return self.views[key]

    def query(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.spark.sql(sql).collect()]


def serve_local(spark: SparkSession, locations: TableLocations, port: int = 0) -> AppServer:
    """The app on 127.0.0.1 over `locations` (port 0: a free one)."""
    backend = SparkBackend(spark, locations)
    return serve(backend, backend.table_name, "127.0.0.1", port)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True, help="local warehouse the runner wrote")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    spark = get_spark("lakehouse-app", warehouse_dir=args.warehouse / "_spark")
    server = serve_local(spark, LocalLocations(args.warehouse.resolve()), args.port)
    print(f"data app on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
