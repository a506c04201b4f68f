"""Run records: the error line a failed stage keeps."""

from __future__ import annotations

import pytest

from lakehouse.ops.runs import MAX_ERROR_CHARS, RunLog, describe_error


def test_describe_error_keeps_type_and_first_line() -> None:
    assert describe_error(ValueError("bad value\nmore detail")) == "ValueError: bad value"


def test_describe_error_leads_with_the_root_cause_of_a_wrapped_traceback() -> None:
    wrapped = RuntimeError(
        "[STREAM_FAILED] Query failed. Return Message: Traceback (most recent call last):\n"
        '  File "job.py", line 3, in write_batch\n'
        "    hook(batch)\n"
        "lakehouse.silver.common.ExpectationFailed: silver.events: rule has_user failed\n"
        " SQLSTATE: 39000\n"
        "=== Streaming Query ===\n"
        "Identifier: [id = 1, runId = 2]\n"
    )

    assert describe_error(wrapped) == (
        "lakehouse.silver.common.ExpectationFailed: silver.events: rule has_user failed "
        "(raised as RuntimeError: [STREAM_FAILED] Query failed. "
        "Return Message: Traceback (most recent call last):)"
    )


def test_describe_error_is_cut_to_the_column_limit() -> None:
    assert len(describe_error(ValueError("x" * 5000))) == MAX_ERROR_CHARS


def test_stage_records_failure_and_reraises() -> None:
    log = RunLog("r")
    with pytest.raises(KeyError), log.stage("silver"):
        raise KeyError("missing")
    with log.stage("gold"):
        pass

    assert [(s.stage, s.status) for s in log.stages] == [("silver", "failed"), ("gold", "succeeded")]
    assert log.stages[0].error == "KeyError: 'missing'"
    assert log.stages[1].error is None
    assert log.stages[0].duration_seconds is not None
