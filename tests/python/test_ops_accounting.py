"""Run accounting: conservation check per batch and per run."""

from __future__ import annotations

from collections import Counter

import pytest

from lakehouse.catalogue import Catalogue
from lakehouse.ops.accounting import AccountingError, RunAccounting, TableCounts, accounting_table


def test_record_adds_batches_of_a_table() -> None:
    run = RunAccounting("r")
    run.record(TableCounts("s.t", 10, 7, 2, 0, 1, Counter({"rule_a": 2})), check=True)
    run.record(TableCounts("s.t", 5, 5, 0, 0, 0), check=True)
    total = run.tables["s.t"]
    assert (total.rows_read, total.rows_written, total.rows_quarantined, total.rows_deduplicated) == (
        15,
        12,
        2,
        1,
    )
    assert total.quarantined_by_rule == Counter({"rule_a": 2})
    run.check()


def test_record_fails_when_rows_are_lost() -> None:
    run = RunAccounting("r")
    with pytest.raises(AccountingError, match=r"read 10 rows but accounted for 9"):
        run.record(TableCounts("s.t", rows_read=10, rows_written=8, rows_quarantined=1), check=True)


def test_record_without_check_accepts_derived_counts() -> None:
    run = RunAccounting("r")
    run.record(TableCounts("s.derived", rows_read=100, rows_written=7), check=False)
    run.check()


def test_accounting_table_is_found_by_its_columns(catalogue: Catalogue) -> None:
    table = accounting_table(catalogue)
    assert table.layer == "ops"
    assert "quarantined_by_rule" in table.column_names
