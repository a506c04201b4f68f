"""`run_gold_jobs`: gold tables built side by side, upstream tables prepared once, failures not lost.

The jobs here stand in for `GoldJob` (same attributes, no Spark): what is tested is the scheduling, which
does not depend on what a job builds. The runner's end-to-end tests run real gold jobs through it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import pytest

from lakehouse import runner
from lakehouse.gold.job import GoldResult, run_gold_jobs

AS_OF = date(2024, 3, 1)


@dataclass(frozen=True)
class _Table:
    key: str


@dataclass
class _Job:
    """A job that waits at `barrier` (if any), records what it saw, and fails when told to."""

    key: str
    upstream: list[_Table]
    calls: list[str]
    barrier: threading.Barrier | None = None
    fail: bool = False
    spark: object = None
    seen: dict[str, object] = field(default_factory=dict)

    @property
    def table(self) -> _Table:
        return _Table(self.key)

    def prepare_upstream(self, table: _Table) -> None:
        self.calls.append(f"prepare {table.key}")

    def run(self, as_of: date, *, full: bool = False, upstream_prepared: bool = False) -> GoldResult:
        self.seen.update(as_of=as_of, full=full, upstream_prepared=upstream_prepared)
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # breaks (and fails the test) unless the others run at once
        if self.fail:
            raise RuntimeError(f"{self.key} failed")
        self.calls.append(f"run {self.key}")
        return GoldResult(self.key, "full")


def _jobs(calls: list[str], n: int, **kwargs: object) -> list[_Job]:
    shared = _Table("silver.shared")
    return [_Job(f"gold.t{i}", [shared, _Table(f"silver.s{i}")], calls, **kwargs) for i in range(n)]  # type: ignore[arg-type]


def test_jobs_run_side_by_side_after_each_shared_upstream_is_prepared_once() -> None:
    calls: list[str] = []
    jobs = _jobs(calls, 3, barrier=threading.Barrier(3))
    results = run_gold_jobs(jobs, AS_OF, full=True, parallelism=3)  # type: ignore[arg-type]

    assert [r.key for r in results] == ["gold.t0", "gold.t1", "gold.t2"]
    prepared = [c for c in calls if c.startswith("prepare")]
    assert prepared == [f"prepare silver.{name}" for name in ("shared", "s0", "s1", "s2")]
    assert calls.index("prepare silver.s2") < min(calls.index(f"run gold.t{i}") for i in range(3))
    assert all(j.seen == {"as_of": AS_OF, "full": True, "upstream_prepared": True} for j in jobs)


def test_at_most_parallelism_jobs_run_at_once() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    class Counting(_Job):
        def run(self, as_of: date, *, full: bool = False, upstream_prepared: bool = False) -> GoldResult:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            threading.Event().wait(0.05)
            with lock:
                running -= 1
            return GoldResult(self.key, "full")

    shared = _Table("silver.shared")
    jobs = [Counting(f"gold.t{i}", [shared], []) for i in range(6)]
    run_gold_jobs(jobs, AS_OF, parallelism=2)  # type: ignore[arg-type]
    assert most == 2


def test_a_failure_lets_the_others_finish_and_the_first_failure_in_order_is_raised() -> None:
    calls: list[str] = []
    jobs = _jobs(calls, 4)
    jobs[1].fail = jobs[3].fail = True
    stages: list[str] = []

    def stage(key: str) -> object:
        stages.append(key)
        return threading.Lock()  # any context manager

    with pytest.raises(RuntimeError, match=r"^gold\.t1 failed$"):
        run_gold_jobs(jobs, AS_OF, parallelism=2, stage=stage)  # type: ignore[arg-type]
    assert sorted(c for c in calls if c.startswith("run")) == ["run gold.t0", "run gold.t2"]
    assert sorted(stages) == ["gold.t0", "gold.t1", "gold.t2", "gold.t3"]


def test_parallelism_one_runs_in_order_in_the_calling_thread() -> None:
    calls: list[str] = []
    threads: set[str] = set()

    class Recording(_Job):
        def run(self, as_of: date, *, full: bool = False, upstream_prepared: bool = False) -> GoldResult:
            threads.add(threading.current_thread().name)
            return super().run(as_of, full=full, upstream_prepared=upstream_prepared)

    shared = _Table("silver.shared")
    jobs = [Recording(f"gold.t{i}", [shared], calls) for i in range(3)]
    run_gold_jobs(jobs, AS_OF, parallelism=1)  # type: ignore[arg-type]
    assert [c for c in calls if c.startswith("run")] == ["run gold.t0", "run gold.t1", "run gold.t2"]
    assert threads == {threading.current_thread().name}


def test_runner_refuses_a_gold_parallelism_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.parse_args([]).gold_parallelism == runner.GOLD_PARALLELISM
    with pytest.raises(SystemExit):
        runner.parse_args(["--gold-parallelism", "0"])
    assert "--gold-parallelism: must be 1 or more, got 0" in capsys.readouterr().err
