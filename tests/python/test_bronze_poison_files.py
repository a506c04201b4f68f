"""Odd files in a landing folder: normalised when only their form differs, moved aside when unreadable.

Runs the local runner's bronze and silver stages on one source whose folder holds a plain file, a
spreadsheet-resaved copy (BOM, CRLF), a file with quoted, padded header names, a binary file and a
headerless file. The readable ones flow through to silver; the others go to `_rejected/` whole and
are recorded in the ops rejects table, and the stream does not fail.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse import runner
from lakehouse.catalogue import Catalogue
from lakehouse.locations import LocalLocations
from lakehouse.ops.rejects import REJECTED_FOLDER, landing_rejects_table
from lakehouse.silver.job import bronze_fed_tables


def _event(session: str, second: int) -> str:
    return f"2019-10-01 00:00:{second:02d} UTC,view,1,2,electronics.phone,acme,9.99,7,{session}"


def test_odd_files_flow_or_are_moved_aside_and_the_source_keeps_flowing(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    source = catalogue.source("events")
    folder = tmp_path / "landing" / source.name
    folder.mkdir(parents=True)
    header = ",".join(source.columns)
    (folder / "events-2019-10-01.csv").write_text(
        f"{header}\n{_event('plain-1', 1)}\n{_event('plain-2', 2)}\n"
    )
    (folder / "events-2019-10-01-resaved.csv").write_bytes(
        ("\ufeff" + "\r\n".join([header, _event("resaved-1", 3), _event("resaved-2", 4)]) + "\r\n").encode()
    )
    padded = ",".join(f' "{name}" ' for name in source.columns)
    (folder / "events-2019-10-01-padded.csv").write_text(f"{padded}\n{_event('padded-1', 5)}\n")
    (folder / "events-2019-10-01-binary.csv").write_bytes(b"PK\x03\x04\x14\x00\x00\x00" + bytes(range(256)))
    (folder / "events-2019-10-01-headerless.csv").write_text(f"{_event('headerless-1', 6)}\n")
    warehouse = tmp_path / "warehouse"
    lines: list[str] = []
    landing = str(tmp_path / "landing")
    options = ["--run-id", "poison-1", "--sources", source.name, "--no-gold"]
    args = runner.parse_args(["--landing", landing, "--warehouse", str(warehouse), *options])
    runner.run(spark, args, log=lines.append)

    locations = LocalLocations(warehouse)
    bronze = locations.read(spark, source.table)
    sessions = sorted(row["user_session"] for row in bronze.collect())
    assert sessions == ["padded-1", "plain-1", "plain-2", "resaved-1", "resaved-2"]
    assert bronze.where(F.col("_rescued_data").isNotNull()).count() == 0
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == source.table)
    reached = locations.read(spark, silver.key)
    assert reached.count() == 5
    assert reached.where(F.col("event_time").isNull()).count() == 0

    rejected = sorted(p.name for p in (tmp_path / "landing" / REJECTED_FOLDER / source.name).iterdir())
    assert rejected == ["events-2019-10-01-binary.csv", "events-2019-10-01-headerless.csv"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "events-2019-10-01-padded.csv",
        "events-2019-10-01-resaved.csv",
        "events-2019-10-01.csv",
    ]
    records = {
        Path(row["file_path"]).name: row
        for row in locations.read(spark, landing_rejects_table(catalogue).key).collect()
    }
    assert sorted(records) == rejected
    assert records["events-2019-10-01-binary.csv"]["reason"].startswith("binary content")
    assert "shares no column" in records["events-2019-10-01-headerless.csv"]["reason"]
    assert {row["run_id"] for row in records.values()} == {"poison-1"}
    assert all(Path(row["moved_to"]).exists() for row in records.values())
    assert sum(line.startswith("[bronze] rejected ") for line in lines) == 2
