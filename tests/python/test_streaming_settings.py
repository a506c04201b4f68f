"""The Kafka options of an eventhub source, from the catalogue and the settings (no Spark, no broker)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta

import pytest

from lakehouse.bronze.eventhub import explain_failure, is_kafka_failure
from lakehouse.catalogue import Catalogue
from lakehouse.generator.stream import DRIFT_KEY, StreamConfig, StreamManifest, stream_events
from lakehouse.jobs import medallion
from lakehouse.streaming.settings import KafkaSettings, StreamSettingsError, kafka_options


def test_event_hubs_options_authenticate_with_the_service_credential_and_no_secret(
    catalogue: Catalogue,
) -> None:
    settings = KafkaSettings.event_hubs(
        "evhns-ecomlh-prd-weu", "lakehouse_prod_event_hubs", max_offsets_per_trigger=500
    )
    options = kafka_options(catalogue.source("pos_events"), settings)
    assert options["kafka.bootstrap.servers"] == "evhns-ecomlh-prd-weu.servicebus.windows.net:9093"
    assert options["subscribe"] == "pos-events"  # the hub the platform stack names after the source
    assert options["kafka.group.id"] == "bronze_ingest"
    assert options["databricks.serviceCredential"] == "lakehouse_prod_event_hubs"
    assert options["maxOffsetsPerTrigger"] == "500"
    assert options["failOnDataLoss"] == "true"
    assert options["startingOffsets"] == "earliest"
    assert not any("sasl" in key or "password" in value.lower() for key, value in options.items())


def test_local_options_are_plain_text(catalogue: Catalogue) -> None:
    options = kafka_options(catalogue.source("cart_events"), KafkaSettings("127.0.0.1:9092"))
    assert "databricks.serviceCredential" not in options
    assert options["subscribe"] == "cart-events"


def test_an_undeclared_consumer_group_fails_naming_source_and_group(catalogue: Catalogue) -> None:
    settings = KafkaSettings("127.0.0.1:9092", consumer_group="analytics")
    with pytest.raises(
        StreamSettingsError, match=r"source cart_events: consumer group 'analytics' is not declared"
    ):
        kafka_options(catalogue.source("cart_events"), settings)


def test_a_files_source_is_not_read_from_kafka(catalogue: Catalogue) -> None:
    with pytest.raises(StreamSettingsError, match="source orders is a 'files' source"):
        kafka_options(catalogue.source("orders"), KafkaSettings("127.0.0.1:9092"))


def test_stream_generator_is_seeded_and_counts_every_fault(catalogue: Catalogue) -> None:
    source = catalogue.source("pos_events")
    config = StreamConfig(events=400, seed=3, fault_rate=0.2)
    first, second = StreamManifest(source.name), StreamManifest(source.name)
    events = list(stream_events(source, config, first))
    assert events == list(stream_events(source, config, second))
    assert first.messages == len(events) == 400 + first.faults["exact_duplicate"]
    assert sum(1 for e in events if e.fault) == sum(first.faults.values()) + first.faults["exact_duplicate"]
    assert set(first.faults) == {
        "malformed_json",
        "missing_key",
        "schema_drift",
        "exact_duplicate",
        "late_event",
        "out_of_order",
    }


def test_stream_generator_spaces_event_times_at_the_given_rate(catalogue: Catalogue) -> None:
    source = catalogue.source("cart_events")

    def times(per_second: float) -> list[datetime]:
        config = StreamConfig(events=3000, seed=4, per_second=per_second)
        bodies = [json.loads(e.body) for e in stream_events(source, config, StreamManifest(source.name))]
        return [datetime.fromisoformat(b["event_time"]) for b in bodies]

    busy, default = times(1000.0), times(1.0)
    assert max(busy) - min(busy) == timedelta(seconds=2.999)  # 3,000 events at 1,000 a second
    assert max(default) - min(default) == timedelta(seconds=2999)  # one a second
    with pytest.raises(ValueError, match="per_second 0 must be above 0"):
        times(0)


def test_stream_generator_drift_adds_one_undeclared_key_and_refuses_a_source_declaring_it(
    catalogue: Catalogue,
) -> None:
    source = catalogue.source("cart_events")
    config = StreamConfig(events=300, seed=8, fault_rate=0.3)
    events = list(stream_events(source, config, StreamManifest(source.name)))
    drifted = [json.loads(e.body) for e in events if e.fault == "schema_drift"]
    assert drifted
    assert all(set(body) == {*source.columns, DRIFT_KEY} for body in drifted)
    assert all(DRIFT_KEY not in e.body.decode() for e in events if e.fault != "schema_drift")

    declaring = dataclasses.replace(source, columns=(*source.columns, DRIFT_KEY))
    with pytest.raises(ValueError, match=f"cart_events declares '{DRIFT_KEY}'"):
        next(stream_events(declaring, config, StreamManifest(source.name)))


def test_medallion_task_reads_an_eventhub_source_with_the_namespace_and_credential(
    catalogue: Catalogue,
) -> None:
    args = medallion.parse_args(
        [
            "--stage", "bronze", "--source", "cart_events", "--catalog", "lakehouse_dev",
            "--checkpoint-root", "/Volumes/lakehouse_dev/ops/checkpoints", "--run-id", "1",
            "--eventhub-namespace", "evhns-ecomlh-dev-weu",
            "--eventhub-credential", "lakehouse_dev_event_hubs",
            "--max-offsets-per-trigger", "2000", "--fail-on-data-loss", "false", "--continuous", "5 minutes",
        ]
    )  # fmt: skip
    settings = medallion.kafka_settings(args)
    assert settings.bootstrap == "evhns-ecomlh-dev-weu.servicebus.windows.net:9093"
    assert settings.service_credential == "lakehouse_dev_event_hubs"
    assert (settings.max_offsets_per_trigger, settings.fail_on_data_loss) == (2000, False)


def test_medallion_task_needs_the_credential_with_a_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        medallion.parse_args(
            [
                "--stage", "bronze", "--source", "cart_events", "--catalog", "c", "--checkpoint-root", "/v",
                "--run-id", "1", "--eventhub-namespace", "evhns-x",
            ]
        )  # fmt: skip
    assert "--eventhub-namespace needs --eventhub-credential" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host it",
            r"source cart_events: stream failed, check topic \(event hub\) 'cart-events': org\.apache\.kafka",
        ),
        (
            "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment",
            r"check kafka bootstrap 'ns\.servicebus\.windows\.net:9093' \(no answer within 30000 ms\)",
        ),
        (
            "org.apache.kafka.common.errors.SaslAuthenticationException: unauthorized",
            r"check service credential 'cred'",
        ),
    ],
    ids=["unknown-topic", "timeout", "authentication"],
)
def test_a_connector_failure_names_the_source_and_setting(
    catalogue: Catalogue, text: str, expected: str
) -> None:
    error = RuntimeError(text)
    settings = KafkaSettings.event_hubs("ns", "cred")
    assert is_kafka_failure(error)
    assert re.search(expected, str(explain_failure(catalogue.source("cart_events"), settings, error)))


def test_a_failure_of_the_batch_code_is_not_blamed_on_kafka() -> None:
    assert not is_kafka_failure(RuntimeError("killed after the Delta commit of batch 1"))
