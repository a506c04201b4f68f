"""The streaming benchmark's latency part: which trigger intervals it runs, how long, and what fails it."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


def test_the_latency_part_runs_at_2_5_and_10_second_triggers_unless_told(bench_streaming: ModuleType) -> None:
    assert bench_streaming.parse_args([]).trigger == [2.0, 5.0, 10.0]
    assert bench_streaming.parse_args(["--trigger", "3", "7.5"]).trigger == [3.0, 7.5]


def test_a_latency_part_lasts_at_least_five_trigger_intervals(bench_streaming: ModuleType) -> None:
    args = bench_streaming.parse_args(["--rate", "1000", "--seconds", "15"])
    assert bench_streaming.latency_events(args, 2.0) == 15_000
    assert bench_streaming.latency_events(args, 10.0) == 50_000


@pytest.mark.parametrize(
    ("trigger", "latencies", "met"),
    [
        (2.0, [1.0] * 14_000 + [6.0] * 1_000, True),  # p95 6 s = 3x
        (2.0, [1.0] * 14_000 + [6.5] * 1_000, False),  # p95 6.5 s > 3x
        (2.0, [1.0] * 14_999, False),  # an event never reached silver
        (2.0, [], False),
    ],
)
def test_a_latency_part_meets_the_target_only_when_p95_is_within_3_triggers_and_none_is_missing(
    bench_streaming: ModuleType, trigger: float, latencies: list[float], met: bool
) -> None:
    args = bench_streaming.parse_args(["--rate", "1000", "--seconds", "15"])
    assert bench_streaming.report_latency(args, trigger, latencies) is met


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--trigger", "2", "0"], "--trigger 2 0: every value must be above 0"),
        (["--rate", "-5"], "--rate -5: every value must be above 0"),
        (["--seconds", "0"], "--seconds 0: every value must be above 0"),
    ],
)
def test_a_latency_setting_at_or_below_zero_is_refused_naming_the_option(
    bench_streaming: ModuleType, argv: list[str], message: str, refused: Callable[..., str]
) -> None:
    assert message in refused(bench_streaming.parse_args, argv)
