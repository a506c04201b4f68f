"""The local broker's KRaft cluster id never starts with `-`: the storage tool would take it for an option."""

from __future__ import annotations

import base64
import uuid

import pytest

from lakehouse.streaming import broker


def test_cluster_id_drawn_again_when_it_would_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    dash_first = uuid.UUID(bytes=bytes([0xF8]) + bytes(15))  # base64 of 0b111110.. is "-"
    plain = uuid.UUID(bytes=bytes([0x10]) + bytes(15))
    draws = iter([dash_first, plain])
    monkeypatch.setattr(broker.uuid, "uuid4", lambda: next(draws))

    cluster_id = broker.new_cluster_id()

    assert cluster_id == "EAAAAAAAAAAAAAAAAAAAAA"
    assert next(draws, None) is None  # both drawn: the first was refused


def test_cluster_id_is_a_uuid_in_unpadded_url_safe_base64() -> None:
    cluster_id = broker.new_cluster_id()
    assert len(cluster_id) == 22
    assert "=" not in cluster_id
    assert not cluster_id.startswith("-")
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
