#!/usr/bin/env bash
# Resolves the jars of a single-node Apache Kafka broker once, into .cache/kafka-broker/ (or
# $LAKEHOUSE_KAFKA_DIR), with Maven and the project-local repository (.cache/m2), so that the streaming
# tests and benchmark start a real broker offline (lakehouse.streaming.broker). The Kafka version is
# pinned in jobs-src/jars/kafka-broker/pom.xml; a stamp holding the pom's hash makes a second run instant.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/jobs-src/jars/kafka-broker/pom.xml"
JARS="${LAKEHOUSE_KAFKA_DIR:-$ROOT/.cache/kafka-broker}"
M2="$ROOT/.cache/m2"
STAMP="$JARS/.lakehouse-kafka.sha256"

wanted="$(sha256sum "$POM" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "kafka: up to date ($(find "$JARS" -maxdepth 1 -name '*.jar' | wc -l) jars in ${JARS#"$ROOT"/})"
  exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "kafka: 'mvn' not found on PATH; install Maven 3.8+ to resolve the Kafka broker jars" >&2
  exit 1
fi

echo "kafka: resolving the broker jars of ${POM#"$ROOT"/} ..."
started=$SECONDS
mkdir -p "$(dirname "$JARS")"
work="$(mktemp -d "$(dirname "$JARS")/.kafka-work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
staging="$work/jars"
if ! mvn -q -B -f "$POM" -Dmaven.repo.local="$M2" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging" \
  >"$work/mvn.log" 2>&1; then
  cat "$work/mvn.log" >&2
  echo "kafka: Maven could not resolve the broker jars of ${POM#"$ROOT"/}" >&2
  exit 1
fi
if ! compgen -G "$staging/kafka_2.13-*.jar" >/dev/null; then
  echo "kafka: Maven finished but copied no kafka_2.13-*.jar; check ${POM#"$ROOT"/}" >&2
  exit 1
fi
echo "$wanted" >"$staging/.lakehouse-kafka.sha256"
rm -rf "$JARS"
chmod 755 "$staging"
mv "$staging" "$JARS"
echo "kafka: $(find "$JARS" -maxdepth 1 -name '*.jar' | wc -l) jars in ${JARS#"$ROOT"/} in $((SECONDS - started))s"
