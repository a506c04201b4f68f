#!/usr/bin/env bash
# Resolves the Delta Lake jars for local Spark once, into .cache/jars/ (or $LAKEHOUSE_JARS_DIR),
# using Maven with a project-local repository (.cache/m2), so that lakehouse.session.get_spark
# and the tests start Spark with Delta fully offline afterwards.
#
# The Delta version and the Spark major.minor come from the pins in jobs-src/requirements.txt,
# so the Python package and the jars cannot drift apart. A stamp holding a hash of the pom and
# those versions makes a second run instant; a change re-resolves into a fresh folder.
# Needs .venv (scripts/setup-python.sh creates it first) to check that no copied jar duplicates
# one that pyspark already ships.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/jobs-src/jars/pom.xml"
REQUIREMENTS="$ROOT/jobs-src/requirements.txt"
JARS="${LAKEHOUSE_JARS_DIR:-$ROOT/.cache/jars}"
M2="$ROOT/.cache/m2"
STAMP="$JARS/.lakehouse-jars.sha256"
VENV_PYTHON="$ROOT/.venv/bin/python"

pin() {
  local version
  version="$(sed -n "s/^$1==\([0-9][0-9A-Za-z.]*\).*/\1/p" "$REQUIREMENTS")"
  if [[ -z "$version" ]]; then
    echo "jars: no '$1==<version>' pin in ${REQUIREMENTS#"$ROOT"/}; pin it there" >&2
    exit 1
  fi
  echo "$version"
}
delta_version="$(pin delta-spark)"
spark_version="$(pin pyspark)"
spark_binary="${spark_version%.*}"
artifact="io.delta:delta-spark_${spark_binary}_2.13:${delta_version}"
# Spark's Kafka connector (eventhub sources) at exactly the pinned pyspark version.
kafka_connector="org.apache.spark:spark-sql-kafka-0-10_2.13:${spark_version}"

wanted="$({ cat "$POM"; echo "$artifact $kafka_connector"; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "jars: up to date ($(find "$JARS" -maxdepth 1 -name '*.jar' | wc -l) jars in ${JARS#"$ROOT"/})"
  exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
  echo "jars: 'mvn' not found on PATH; install Maven 3.8+ to resolve $artifact" >&2
  exit 1
fi
if [[ ! -x "$VENV_PYTHON" ]]; then
  echo "jars: $VENV_PYTHON is missing; run scripts/setup-python.sh (make setup) instead" >&2
  exit 1
fi

echo "jars: resolving $artifact ..."
started=$SECONDS
mkdir -p "$(dirname "$JARS")"
work="$(mktemp -d "$(dirname "$JARS")/.jars-work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
staging="$work/jars"
# Maven 3.8 prints stray colour codes even with -q -B: keep its output for failures only.
if ! mvn -q -B -f "$POM" -Dmaven.repo.local="$M2" \
  -Ddelta.version="$delta_version" -Dspark.binary.version="$spark_binary" -Dspark.version="$spark_version" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging" \
  >"$work/mvn.log" 2>&1; then
  cat "$work/mvn.log" >&2
  echo "jars: Maven could not resolve $artifact (is that version published on Maven Central?)" >&2
  exit 1
fi

# A jar that pyspark already ships would shadow or clash with Spark's own copy.
pyspark_jars="$("$VENV_PYTHON" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
artifact_names() { find "$1" -maxdepth 1 -name '*.jar' -printf '%f\n' | sed 's/-[0-9][^/]*\.jar$//' | sort -u; }
overlap="$(comm -12 <(artifact_names "$staging") <(artifact_names "$pyspark_jars"))"
if [[ -n "$overlap" ]]; then
  echo "jars: pyspark already ships these; add an <exclusion> for them in jobs-src/jars/pom.xml:" >&2
  echo "$overlap" | sed 's/^/  /' >&2
  exit 1
fi
if ! compgen -G "$staging/spark-sql-kafka-0-10_*.jar" >/dev/null; then
  echo "jars: Maven finished but copied no spark-sql-kafka-0-10_*.jar; check jobs-src/jars/pom.xml" >&2
  exit 1
fi
if ! compgen -G "$staging/delta-spark_*.jar" >/dev/null; then
  echo "jars: Maven finished but copied no delta-spark_*.jar; check jobs-src/jars/pom.xml" >&2
  exit 1
fi

echo "$wanted" >"$staging/.lakehouse-jars.sha256"
rm -rf "$JARS"
chmod 755 "$staging"
mv "$staging" "$JARS"
echo "jars: $(find "$JARS" -maxdepth 1 -name '*.jar' | wc -l) jars in ${JARS#"$ROOT"/} in $((SECONDS - started))s"
