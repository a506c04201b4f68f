"""Kafka / Event Hubs streaming: the settings of a stream source and a local broker for tests and benchmarks."""
