"""Run the declarative pipeline locally with `spark-pipelines` (open-source Spark Declarative Pipelines):

    python -m lakehouse.pipelines.local --bronze DIR --out DIR [--dry-run] [--as-of YYYY-MM-DD]

`--bronze` is the folder of the bronze Delta tables (`<warehouse>/bronze` after
`python -m lakehouse.runner --landing L --warehouse W --no-gold`). Into `--out` it writes
`spark-pipeline.yml` (the definitions in `lakehouse/pipelines/definitions/`, the `lakehouse.*` keys),
`conf/spark-defaults.conf` (Delta Lake from the project's jar cache: `spark-pipelines` starts its own
Spark Connect server, which reads this file), then runs `spark-pipelines run` (or `dry-run`: check the
graph, write nothing). Tables land as Delta folders `<out>/warehouse/<layer>_<table>`; the full output
of each command is kept in `<out>/spark-pipelines-<command>.log`.

Static settings (jars, SQL extensions, warehouse folder) go to `spark-defaults.conf`, not to the spec's
`configuration`: Spark applies that configuration again for every flow, and a static setting there
fails each flow with CANNOT_MODIFY_STATIC_CONFIG.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse.catalogue import load_catalogue
from lakehouse.pipelines.config import AS_OF, BRONZE_ROOT, ENVIRONMENT, TODAY
from lakehouse.session import delta_jars, local_spark_conf
from lakehouse.silver.job import bronze_fed_tables

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
"""The pipeline source files, the same the Pipeline construct deploys."""
SPEC_FILE = "spark-pipeline.yml"
PIPELINE_NAME = "lakehouse"

SERVER_CONF = {
    "spark.sql.sources.default": "delta",
    "spark.driver.memory": "2g",
}
"""Added to `lakehouse.session.local_spark_conf` for the Spark Connect server: datasets are Delta, as on
Databricks."""
RUNTIME_CONF = {
    # A failing flow is retried with a back-off by default; locally a failure is a bug to see at once.
    "spark.sql.pipelines.maxFlowRetryAttempts": "0",
}
"""Per-flow settings of the spec's `configuration` (runtime settings only)."""
_TIMESTAMPED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}: ")
_PYTHON_ERROR = re.compile(r"^[\w.]*(Error|Exception|Failed)\b[\w.]*: ")


class PipelineRunFailed(RuntimeError):
    """`spark-pipelines` exited non-zero; the message has its error and the log file."""


@dataclass(frozen=True)
class LocalPipeline:
    """The files of one local pipeline folder."""

    out: Path

    @property
    def spec(self) -> Path:
        return self.out / SPEC_FILE

    @property
    def conf_dir(self) -> Path:
        return self.out / "conf"

    @property
    def warehouse(self) -> Path:
        return self.out / "warehouse"

    @property
    def storage(self) -> Path:
        """Checkpoints and pipeline state (the spec's `storage`)."""
        return self.out / "storage"

    def table(self, name: str) -> Path:
        """The Delta folder of dataset `name` (the pipeline writes to the default database)."""
        return self.warehouse / name

    def log(self, command: str) -> Path:
        return self.out / f"spark-pipelines-{command}.log"


def configuration(bronze: Path, as_of: str, environment: str = "local") -> dict[str, str]:
    """The `lakehouse.*` keys a local run needs (see `lakehouse.pipelines.config`)."""
    return {ENVIRONMENT: environment, AS_OF: as_of, BRONZE_ROOT: str(bronze.resolve())}


def write_spec(out: Path, settings: Mapping[str, str]) -> LocalPipeline:
    """Write the spec (with `settings` as its configuration) and the server's Spark defaults into `out`."""
    pipeline = LocalPipeline(out.resolve())
    pipeline.conf_dir.mkdir(parents=True, exist_ok=True)
    server = local_spark_conf("lakehouse-pipeline", delta_jars(), pipeline.warehouse, SERVER_CONF)
    server.pop("spark.master")  # spark-pipelines starts the server itself (`--remote local[n]`)
    lines = [f"{key} {value}" for key, value in sorted(server.items())]
    (pipeline.conf_dir / "spark-defaults.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The spec's globs are relative to its folder.
    definitions = os.path.relpath(DEFINITIONS, pipeline.out)
    spec = {
        "name": PIPELINE_NAME,
        "storage": pipeline.storage.as_uri(),
        "configuration": {**RUNTIME_CONF, **settings},
        "libraries": [{"glob": {"include": f"{definitions}/**"}}],
    }
    pipeline.spec.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return pipeline


def run_pipeline(
    pipeline: LocalPipeline,
    command: str = "run",
    *,
    master: str = "local[2]",
    remote: str | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Run `spark-pipelines <command>` (`run` or `dry-run`) on the pipeline's spec.

    The command starts its own Spark Connect server on `master`, unless `remote` names a running one
    (`sc://host:port`, see `lakehouse.pipelines.connect_server`). Echoes the command's progress lines, keeps
    its whole output in `pipeline.log(command)`, and raises PipelineRunFailed with the error when it fails.
    """
    if command not in ("run", "dry-run"):
        raise ValueError(f"command must be 'run' or 'dry-run', got '{command}'")
    cli = Path(sys.executable).parent / "spark-pipelines"
    if not cli.is_file():
        raise PipelineRunFailed(
            f"{cli} not found: spark-pipelines comes with pyspark in the project venv; run `make setup`"
        )
    args = [str(cli), "--remote", remote or master, command, "--spec", str(pipeline.spec)]
    env = spark_env(pipeline)
    log_file = pipeline.log(command)
    errors: list[str] = []
    with (
        log_file.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            args, cwd=pipeline.out, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            text = line.rstrip()
            if _TIMESTAMPED.match(text):
                echo(f"[pipeline] {_TIMESTAMPED.sub('', text)}")
            if _PYTHON_ERROR.match(text) or text.startswith("Error: "):
                errors.append(text)
        code = process.wait()
    if code != 0:
        cause = errors[-1] if errors else "no error line in the output"
        raise PipelineRunFailed(
            f"spark-pipelines {command} failed (exit {code}): {cause}; full output: {log_file}"
        )


def spark_env(pipeline: LocalPipeline) -> dict[str, str]:
    """The environment of a Spark process serving `pipeline`: its Spark defaults, this interpreter, and none
    of the calling session's gateway or remote settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_GATEWAY", "SPARK_REMOTE"))}
    env.update(
        SPARK_CONF_DIR=str(pipeline.conf_dir),
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env


def check_bronze(bronze: Path) -> None:
    """Fail early, naming what is missing, when `bronze` lacks a bronze table the pipeline reads."""
    catalogue = load_catalogue()
    # The eventhub sources' tables are optional: a run writes them only when it reads a broker.
    needed = sorted(
        {
            b.name
            for _, b in bronze_fed_tables(catalogue)
            if b.source and catalogue.source(b.source).kind == "files"
        }
    )
    missing = [name for name in needed if not (bronze / name / "_delta_log").is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{bronze} has no bronze Delta tables {', '.join(missing)} "
            f"(expected {bronze}/<table>/_delta_log); "
            "write them with `python -m lakehouse.runner --landing L --warehouse W --no-gold` and pass "
            "--bronze W/bronze"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.pipelines.local", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--bronze", type=Path, required=True, help="folder of the bronze Delta tables")
    parser.add_argument("--out", type=Path, required=True, help="folder for the spec, tables and logs")
    parser.add_argument("--dry-run", action="store_true", help="validate the graph only, write no tables")
    parser.add_argument(
        "--as-of", default=TODAY, help=f"day the as-of gold tables describe, YYYY-MM-DD (default: {TODAY})"
    )
    parser.add_argument("--environment", default="local", help="lakehouse.environment (default: local)")
    parser.add_argument("--master", default="local[2]", help="local Spark master (default: local[2])")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = "dry-run" if args.dry_run else "run"
    started = time.perf_counter()
    try:
        check_bronze(args.bronze)
        pipeline = write_spec(args.out, configuration(args.bronze, args.as_of, args.environment))
        print(f"[pipeline] spark-pipelines {command} --spec {pipeline.spec}", flush=True)
        run_pipeline(pipeline, command, master=args.master, echo=lambda line: print(line, flush=True))
    except Exception as error:  # the command's job is to turn any failure into a message and exit code
        print(f"pipeline: FAILED after {time.perf_counter() - started:.1f}s: {error}", file=sys.stderr)
        return 1
    where = "graph is valid" if args.dry_run else f"tables in {pipeline.warehouse}"
    print(f"pipeline: {command} done in {time.perf_counter() - started:.1f}s; {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
