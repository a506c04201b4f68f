"""A stream's held key hashes (lakehouse.silver.stored_keys), no Spark: what is held, what is forgotten."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from lakehouse.silver.stored_keys import StoredKeys

EIGHT, NINE, TEN = (datetime(2019, 10, 1, h) for h in (8, 9, 10))


def _hashes(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_held_answers_only_the_hashes_of_written_batches_each_once() -> None:
    keys = StoredKeys()
    keys.add(_hashes(11, 12, 12), EIGHT)
    keys.add(_hashes(13, -(2**63)), NINE)
    assert keys.held(_hashes(12, 14, 13, 12, -(2**63))).tolist() == [-(2**63), 12, 13]
    assert keys.held(_hashes(14, 15)).tolist() == []


def test_nothing_held_before_any_batch_and_empty_batches_are_not_kept() -> None:
    keys = StoredKeys()
    assert keys.held(_hashes(1, 2)).tolist() == []
    keys.add(_hashes(), TEN)
    keys.add(_hashes(3), None)  # a batch without an event time writes nothing to hold
    assert keys.batches == []


def test_advance_forgets_the_batches_whose_latest_event_is_older_than_the_watermark() -> None:
    keys = StoredKeys()
    keys.add(_hashes(1), EIGHT)
    keys.add(_hashes(2), NINE)
    keys.add(_hashes(3), TEN)
    keys.advance(NINE)  # a batch's rows older than 09:00 are late now: never looked up again
    assert keys.cutoff == NINE
    assert keys.held(_hashes(1, 2, 3)).tolist() == [2, 3]
    keys.advance(None)  # no watermark yet: nothing is forgotten
    assert keys.held(_hashes(1, 2, 3)).tolist() == [2, 3]
