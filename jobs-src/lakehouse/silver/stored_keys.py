"""What a silver stream has written within its watermark, as key hashes on the driver: most micro-batches of
an insert-only stream need no look at the table to find their resent events.

The duplicate lookup of `writers.append_new` joins a batch with the stored rows of its dates and time span, a
Delta scan planned anew for every micro-batch (about 1 s of a 2,000-event batch here, whatever it finds).
Most batches resend nothing, so an eventhub stream first checks its batch's key hashes against those it
holds: only the keys whose hash it holds are looked up in the table (a resent event, or a rare collision
of two keys' hashes); a key whose hash it does not hold is not stored. That holds because the stream is its
table's only writer (as `lakehouse.silver.late.LateState` assumes too): it takes in the hashes of the rows
stored within the watermark when it starts (`seed`) and those of every batch it writes (`add`). Rows deleted
from the table since (an erasure) only cost a lookup that finds nothing.

Hashes are kept per written batch with that batch's latest event time, and a batch's are forgotten once
that time is older than the watermark (`advance`): a row that old is late and goes to quarantine before
any lookup, and a resent event carries its original time. At 1,000 events/s and a 1 h watermark that is
3.6 million 8-byte hashes, about 29 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from pyspark.sql import functions as F

from lakehouse.silver.common import key_hash

if TYPE_CHECKING:
    from lakehouse.silver.writers import Target


@dataclass
class StoredKeys:
    """Key hashes of the rows a stream stored within its watermark, per written batch."""

    batches: list[tuple[datetime, np.ndarray]] = field(default_factory=list)
    """(latest event time, key hashes) per written batch (the rows stored before the stream started: one)."""
    cutoff: datetime | None = None
    """The watermark of the batch in progress (`advance`); rows older are late, never looked up."""
    seeded: bool = False

    def advance(self, cutoff: datetime | None) -> None:
        """Take the watermark of the next batch and forget the batches whose rows are all older."""
        self.cutoff = cutoff
        if cutoff is not None:
            self.batches = [(latest, hashes) for latest, hashes in self.batches if latest >= cutoff]

    def seed(self, target: Target, keys: Sequence[str], within: str) -> None:
        """Take in the hashes of the stored rows not older than the watermark (a scan, on a stream's first
        batch; nothing after that)."""
        if self.seeded:
            return
        self.seeded = True
        if target.is_empty():
            return
        stored = target.read()
        if self.cutoff is not None:
            stored = stored.where(F.col(within) >= F.lit(self.cutoff).cast("timestamp"))
        hashes, latest = stored.agg(F.collect_list(key_hash(keys)), F.max(within)).collect()[0]
        self.add(np.array(hashes, dtype=np.int64), latest)

    def add(self, hashes: np.ndarray, latest: datetime | None) -> None:
        """Take in the key hashes of a written batch whose latest event time is `latest`."""
        if hashes.size and latest is not None:
            self.batches.append((latest, np.unique(hashes)))

    def held(self, hashes: np.ndarray) -> np.ndarray:
        """The given hashes that are among those held (each once): the keys that may be stored."""
        found = [hashes[np.isin(hashes, held)] for _, held in self.batches]
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
