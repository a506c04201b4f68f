"""Job task entrypoint: runs `lakehouse.ops.maintenance.main` with the task's arguments.

The job uploads `jobs-src/` to the workspace as files; this script puts that folder on `sys.path`
so the `lakehouse` package next to it imports, then hands over. Nothing else belongs here.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakehouse.ops.maintenance import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
