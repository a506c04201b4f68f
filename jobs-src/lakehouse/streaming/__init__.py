"""Kafka / Event Hubs streaming: the settings of a stream source; a local broker for tests."""
