"""Prints one closing line for the two test runners of `make test` (scripts/run-tests.sh): jest's JSON
report and pytest's JUnit XML, summed as `tests: N passed, N failed, N skipped`. A missing report (its runner
never finished, e.g. tsc failed first) counts as one failure and is named."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def jest_counts(report: Path) -> tuple[int, int, int]:
    data = json.loads(report.read_text(encoding="utf-8"))
    # A suite that could not run (a compile or import error) has no failed test of its own: count it.
    failed = int(data["numFailedTests"]) + int(data.get("numRuntimeErrorTestSuites", 0))
    return int(data["numPassedTests"]), failed, int(data["numPendingTests"])


def pytest_counts(report: Path) -> tuple[int, int, int]:
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def main(argv: list[str]) -> int:
    jest, pytest = Path(argv[0]), Path(argv[1])
    passed = failed = skipped = 0
    for name, report, read in (("jest", jest, jest_counts), ("pytest", pytest, pytest_counts)):
        if not report.is_file():
            print(f"{name}: no report at {report} (the runner did not finish; see its output above)")
            failed += 1
            continue
        p, f, s = read(report)
        print(f"{name}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
