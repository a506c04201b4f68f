"""Spark settings of the JVMs the tests start: the session (conftest.py), the pipeline's Connect server."""

from __future__ import annotations

TEST_SPARK_CONF = {
    # Test tables hold a few hundred rows, so writing Java source for every projection cost more than the
    # rows: a runner run over the generated flow spent 13 % of its CPU generating projection code per task
    # (Delta's log replay builds one over its whole action schema each time), 8 % in the regexes that tidy
    # that source. Spark's interpreted projections compute the same rows; whole-stage code generation stays
    # on. Cold run 130 s -> 89 s, warm 79 s -> 65 s (one scratch run each). Jobs keep generating code.
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
