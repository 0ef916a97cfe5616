#!/usr/bin/env python3
"""Create a worker token on the server and print it (alone, on the last line).

    python deployment/create_worker_user.py [NAME]

Run it on the server, from the checkout, with the Python that has Molyte installed and the
server's settings in the environment (`MOLYTE_DATABASE_URL`, as for `molyte server`). NAME
defaults to `polling-worker`. The same as `molyte worker-token create NAME`; the token is shown
once and stored only as a hash: put it in the worker's YAML (`api.worker_token`) or in the
environment of the worker (`MOLYTE_WORKER_TOKEN`).
"""

from __future__ import annotations

import sys

try:
    from molyte.cli import app
except ImportError:
    sys.exit(
        "create_worker_user: Molyte is not installed for this Python "
        f"({sys.executable}); use the checkout's .venv/bin/python"
    )

if __name__ == "__main__":
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        sys.exit("usage: python deployment/create_worker_user.py [NAME]")
    name = sys.argv[1] if len(sys.argv) == 2 else "polling-worker"
    app(args=["worker-token", "create", name], prog_name="create_worker_user")
