#!/usr/bin/env python3
"""The polling worker as a process named for what it is: `ps aux | grep polling_worker` finds it.

Started by `deployment/start_polling_worker.sh PROFILE`; the same as
`molyte worker --config FILE --log-file PATH`. Run it with the Python that has Molyte installed
(the checkout's `.venv/bin/python`, or your conda environment's `python`).
"""

from __future__ import annotations

import sys

try:
    from molyte.cli import app
except ImportError:
    sys.exit(
        "polling_worker: Molyte is not installed for this Python "
        f"({sys.executable}); use the checkout's .venv/bin/python, or run "
        "`pip install -e '.[engines]'` in your environment"
    )

if __name__ == "__main__":
    app(args=["worker", *sys.argv[1:]], prog_name="polling_worker")
