"""A silver table declared in the catalogue alone (no module of its own) runs on `silver.declared`.

The catalogue here is the real one plus a copy of the order-lines source and tables under a new name,
as a newcomer onboarding an export would declare it: no Python is written for it.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, default_catalogue_file, load_catalogue
from lakehouse.locations import LocalLocations
from lakehouse.silver.job import SilverJob, table_module

NEW = "order_lines"


def _with_copied_order_items(tmp_path: Path, *, rename_column: bool) -> Catalogue:
    document = json.loads(default_catalogue_file().read_text(encoding="utf-8"))
    source = copy.deepcopy(next(s for s in document["sources"] if s["name"] == "order_items"))
    source.update(name=NEW, table=f"bronze.{NEW}")
    document["sources"].append(source)
    copies = []
    for table in document["tables"]:
        if table["name"] not in ("order_items", "order_items_quarantine"):
            continue
        clone = copy.deepcopy(table)
        name = table["name"].replace("order_items", NEW)
        clone.update(key=f"{table['schema']}.{name}", name=name)
        if clone["layer"] == "bronze":
            clone["source"] = NEW
        if clone["key"] == f"silver.{NEW}":
            clone.update(upstream=[f"bronze.{NEW}"], quarantineTable=f"silver.{NEW}_quarantine")
            if rename_column:  # silver takes same-named bronze columns
                for column in clone["columns"]:
                    if column["name"] == "shipping_limit_at":
                        column["name"] = "shipping_limit_date"
        copies.append(clone)
    document["tables"].extend(copies)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load_catalogue(path)


def _row(order: str, item: str, price: str, file: str) -> dict[str, object]:
    return {
        "order_id": order,
        "order_item_id": item,
        "product_id": "4244733e06e7ecb4970a6e2683c13e61",
        "seller_id": "48436dade18ac8b2bce089ec2a041202",
        "shipping_limit_date": "9/19/2017 9:45",
        "price": price,
        "freight_value": "13.29",
        "_rescued_data": None,
        "_source_file": f"file:/landing/{NEW}/{file}",
        "_ingested_at": datetime(2017, 9, 20),
        "_batch_id": 0,
    }


def test_a_catalogue_only_table_is_typed_checked_and_kept_latest_per_key(
    spark: SparkSession, tmp_path: Path
) -> None:
    catalogue = _with_copied_order_items(tmp_path, rename_column=True)
    silver, bronze = catalogue.table(f"silver.{NEW}"), catalogue.table(f"bronze.{NEW}")
    assert table_module(silver).__name__ == "lakehouse.silver.declared"
    order = "00010242fe8c5a6d1ba2dd792cb16214"
    rows = [
        _row(order, "1", "58.90", f"{NEW}-2017-09-19.csv"),
        _row(order, "1", "59.90", f"{NEW}-2017-09-20.csv"),  # re-sent later with a new price
        _row(order, "2", "abc", f"{NEW}-2017-09-20.csv"),
    ]
    frame = spark.createDataFrame(
        [tuple(r[n] for n in bronze.column_names) for r in rows], bronze.spark_schema()
    )
    locations = LocalLocations(tmp_path / "warehouse")
    job = SilverJob(spark, catalogue, locations, silver, bronze, "declared-1")
    job.prepare()
    counts = job.process(frame, 0)

    kept = [r.asDict() for r in locations.read(spark, silver.key).collect()]
    assert [(r["order_item_id"], r["price"], r["shipping_limit_date"]) for r in kept] == [
        (1, Decimal("59.90"), datetime(2017, 9, 19, 9, 45))
    ]
    quarantined = locations.read(spark, f"silver.{NEW}_quarantine").collect()
    assert [q["failed_rules"] for q in quarantined] == [["valid_price"]]
    assert (counts.rows_read, counts.rows_written, counts.rows_quarantined, counts.rows_deduplicated) == (
        3,
        1,
        1,
        1,
    )


def test_a_catalogue_only_table_must_take_the_source_names(spark: SparkSession, tmp_path: Path) -> None:
    catalogue = _with_copied_order_items(tmp_path, rename_column=False)
    job = SilverJob(
        spark,
        catalogue,
        LocalLocations(tmp_path / "warehouse"),
        catalogue.table(f"silver.{NEW}"),
        catalogue.table(f"bronze.{NEW}"),
        "declared-2",
    )
    with pytest.raises(
        ValueError, match=r"silver\.order_lines: columns \['shipping_limit_at'\] have no same-named"
    ):
        job.prepare()
