"""silver pos_events: the stores' point-of-sale transactions from Event Hubs, typed, one row per transaction.

Timestamps are ISO 8601 text; payment types are trimmed and lowercased. Insert-only on the transaction id;
events older than the source's watermark are late (see lakehouse.silver.stream_events).
"""

from __future__ import annotations

from lakehouse.silver.stream_events import standardise_with_code, write

standardise = standardise_with_code("payment_type")
"""Bronze POS events to silver columns. Needs: the bronze pos_events columns."""

__all__ = ["standardise", "write"]
