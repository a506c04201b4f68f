"""Where and how an `eventhub` source is read: the Kafka options of a bronze stream, checked before it starts.

The catalogue says which sources are event hubs and which consumer groups the platform provisions for them;
the environment (job arguments on Databricks, runner flags locally) says where the namespace is and how
fast to read. `kafka_options` turns both into the options of Spark's `kafka` source:

- Databricks: the Event Hubs Kafka endpoint `<namespace>.servicebus.windows.net:9093`, authenticated with
  the Unity Catalog service credential the lakehouse stack creates for the access connector
  (`databricks.serviceCredential`, Databricks Runtime 16.1+): no secret in the plan, the job or a scope.
- Locally: a plain-text broker (`--kafka-bootstrap 127.0.0.1:PORT`), e.g. lakehouse.streaming.broker.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lakehouse.catalogue import Source

STARTING_OFFSETS = ("earliest", "latest")
EVENT_HUBS_PORT = 9093
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$")


class StreamSettingsError(ValueError):
    """A stream setting is wrong, or the broker, topic or consumer group it names cannot be used."""


def hub_name(source: Source) -> str:
    """The event hub (Kafka topic) of a source: its name with '-' for '_' (as EventHubs.hubNameOf)."""
    return source.name.replace("_", "-")


@dataclass(frozen=True)
class KafkaSettings:
    """The environment's side of every `eventhub` stream (the same for each source)."""

    bootstrap: str
    """`host:port` of the Kafka endpoint; on Databricks `<namespace>.servicebus.windows.net:9093`."""
    starting_offsets: str = "earliest"
    """Where a stream without a checkpoint starts: `earliest` (everything the hub retains) or `latest`."""
    max_offsets_per_trigger: int | None = 10_000
    """Events read per micro-batch at most (over all partitions); None: everything available."""
    fail_on_data_loss: bool = True
    """Fail when events the checkpoint expects are gone (retention passed): never skip silently."""
    service_credential: str | None = None
    """Unity Catalog service credential the Databricks connector authenticates with; None: plain text."""
    consumer_group: str | None = None
    """Consumer group to read as; None: the source's first declared group."""
    topics: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Topic per source name where it is not the hub name (tests give each run its own topics)."""
    timeout_ms: int = 30_000
    """Kafka request timeout: an unreachable endpoint fails a stream after this, instead of hanging."""

    @staticmethod
    def event_hubs(namespace: str, credential: str, **settings: object) -> KafkaSettings:
        """Settings for an Event Hubs namespace read with a UC service credential."""
        return KafkaSettings(
            bootstrap=f"{namespace}.servicebus.windows.net:{EVENT_HUBS_PORT}",
            service_credential=credential,
            **settings,  # type: ignore[arg-type]
        )

    def topic(self, source: Source) -> str:
        return self.topics.get(source.name, hub_name(source))

    def group(self, source: Source) -> str:
        """The consumer group; it must be one the catalogue declares (the platform provisions only those)."""
        group = self.consumer_group or (source.consumer_groups[0] if source.consumer_groups else None)
        if group is None or group not in source.consumer_groups:
            declared = ", ".join(source.consumer_groups) or "none"
            raise StreamSettingsError(
                f"source {source.name}: consumer group '{group}' is not declared for it "
                f"(declared: {declared}); "
                "add it to the source's consumerGroups in constructs/tables/bronze.ts"
            )
        return group

    def check(self, source: Source) -> None:
        """Fail on a malformed setting, naming the source and the setting."""
        if not _HOST_PORT.match(self.bootstrap) or not 0 < int(self.bootstrap.rsplit(":", 1)[1]) < 65536:
            raise StreamSettingsError(
                f"source {source.name}: kafka bootstrap '{self.bootstrap}' is not host:port"
            )
        if self.starting_offsets not in STARTING_OFFSETS:
            raise StreamSettingsError(
                f"source {source.name}: startingOffsets '{self.starting_offsets}' must be one of "
                f"{', '.join(STARTING_OFFSETS)}"
            )
        if self.max_offsets_per_trigger is not None and self.max_offsets_per_trigger < 1:
            raise StreamSettingsError(
                f"source {source.name}: maxOffsetsPerTrigger {self.max_offsets_per_trigger} must be >= 1"
            )
        self.group(source)


def kafka_options(source: Source, settings: KafkaSettings) -> dict[str, str]:
    """The options of Spark's `kafka` source reading `source` (checked first: see `KafkaSettings.check`)."""
    if source.kind != "eventhub":
        raise StreamSettingsError(f"source {source.name} is a '{source.kind}' source, not an eventhub")
    settings.check(source)
    options = {
        "kafka.bootstrap.servers": settings.bootstrap,
        "subscribe": settings.topic(source),
        "kafka.group.id": settings.group(source),
        "startingOffsets": settings.starting_offsets,
        "failOnDataLoss": str(settings.fail_on_data_loss).lower(),
        "includeHeaders": "true",
        "kafka.request.timeout.ms": str(settings.timeout_ms),
        "kafka.default.api.timeout.ms": str(settings.timeout_ms),
    }
    if settings.max_offsets_per_trigger is not None:
        options["maxOffsetsPerTrigger"] = str(settings.max_offsets_per_trigger)
    if settings.service_credential:
        options["databricks.serviceCredential"] = settings.service_credential
    return options


def preflight(source: Source, settings: KafkaSettings, timeout_s: float = 5.0) -> None:
    """Locally (plain text), ask the broker before a stream starts, so a wrong setting fails with one clear
    message and leaves no checkpoint: the broker answers, the topic exists.

    Not used with a service credential: only the Databricks connector can authenticate that way, and its own
    errors are wrapped with the source's name (lakehouse.bronze.eventhub)."""
    from kafka import KafkaAdminClient
    from kafka.errors import RetriableError

    settings.check(source)
    topic = settings.topic(source)
    host, port = settings.bootstrap.rsplit(":", 1)
    try:  # a refused or unroutable address fails here at once; the Kafka client would retry for long
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise StreamSettingsError(
            f"source {source.name}: no Kafka broker answered at kafka bootstrap '{settings.bootstrap}' "
            f"within {timeout_s:.0f}s ({error.strerror or type(error).__name__})"
        ) from error
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap,
            request_timeout_ms=int(timeout_s * 1000),
            reconnect_backoff_max_ms=1000,
        )
        try:
            topics = set(admin.list_topics())
        finally:
            admin.close()
    except RetriableError as error:  # connection refused, timed out, no broker ready
        raise StreamSettingsError(
            f"source {source.name}: no Kafka broker answered at kafka bootstrap '{settings.bootstrap}' "
            f"within {timeout_s:.0f}s ({type(error).__name__})"
        ) from error
    if topic not in topics:
        known = ", ".join(sorted(t for t in topics if not t.startswith("__"))) or "none"
        raise StreamSettingsError(
            f"source {source.name}: topic (event hub) '{topic}' does not exist at {settings.bootstrap}; "
            f"topics there: {known}"
        )
