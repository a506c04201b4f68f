"""silver cart_events: the web shop's cart actions from Event Hubs, typed, one row per event id.

Timestamps are ISO 8601 text (read by the source's parsing rules); actions are trimmed and lowercased.
Insert-only on the event id; events older than the source's watermark are late (see
lakehouse.silver.stream_events).
"""

from __future__ import annotations

from lakehouse.silver.stream_events import standardise_with_code, write

standardise = standardise_with_code("action")
"""Bronze cart events to silver columns. Needs: the bronze cart_events columns."""

__all__ = ["standardise", "write"]
