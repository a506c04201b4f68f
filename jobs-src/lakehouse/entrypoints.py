"""What the job tasks run: the wheel's entry points (`[project.scripts]` in pyproject.toml).

A Databricks wheel task calls one of these with the task's parameters in `sys.argv`; each imports only its
own job, so one task does not pay for importing the others. A non-zero status from a job fails the task;
a zero status returns normally rather than raising `SystemExit(0)`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


def _run(main: Callable[[Sequence[str]], int]) -> None:
    status = main(sys.argv[1:])
    if status:
        raise SystemExit(status)


def medallion() -> None:
    """One medallion task: bronze, silver or gold of one table (lakehouse.jobs.medallion)."""
    from lakehouse.jobs.medallion import main

    _run(main)


def dq_report() -> None:
    """The data-quality report over recent runs (lakehouse.quality.report)."""
    from lakehouse.quality.report import main

    _run(main)


def gdpr_erasure() -> None:
    """Erasure of data subjects, and completion of pending erasures (lakehouse.governance.erasure)."""
    from lakehouse.governance.erasure import main

    _run(main)


def table_maintenance() -> None:
    """OPTIMIZE, VACUUM and statistics of every table (lakehouse.ops.maintenance)."""
    from lakehouse.ops.maintenance import main

    _run(main)


def replicate() -> None:
    """Disaster-recovery copies of the replicated silver and gold tables (lakehouse.ops.replicate)."""
    from lakehouse.ops.replicate import main

    _run(main)


def churn_train() -> None:
    """Weekly training of the churn model, registered as `challenger` (lakehouse.ml.train)."""
    from lakehouse.ml.train import main

    _run(main)


def churn_promote() -> None:
    """Moves `champion` to the challenger when it wins on the held-out window (lakehouse.ml.promote)."""
    from lakehouse.ml.promote import main

    _run(main)


def churn_score() -> None:
    """Daily batch scoring of churn with the `champion` (lakehouse.ml.score)."""
    from lakehouse.ml.score import main

    _run(main)
