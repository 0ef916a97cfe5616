"""`molyte up`: the whole platform in one process on embedded defaults.

SQLite and results under the data dir, the API and UI, and one local worker (local scheduler)
in a background thread, so a job submitted in the browser actually runs on this machine.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from molyte.config import get_settings

log = logging.getLogger(__name__)
ADMIN_NAME = "admin"
LOCAL_WORKER = "local-worker"


def _read_or_create(path: Path, make: str) -> tuple[str, bool]:
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make)
    path.chmod(0o600)
    return make, True


def bootstrap(data_dir: Path) -> tuple[str, str]:
    """Migrate the database; create the admin and the local worker's token on first start.

    Returns the admin password and the worker token (both kept under `data_dir`, mode 600).
    """
    from molyte.api.auth import repository as auth_repo
    from molyte.api.auth import service as auth_service
    from molyte.api.auth.principal import Role
    from molyte.db.migrate import upgrade
    from molyte.db.session import make_engine, make_session_factory

    settings = get_settings()
    url = settings.resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    password, _ = _read_or_create(data_dir / "admin-password", secrets.token_urlsafe(12) + "9")
    with sessions() as db:
        if auth_repo.user_by_name(db, ADMIN_NAME) is None:
            auth_service.create_user(
                db, ADMIN_NAME, Role.ADMIN, password, settings.password_min_length
            )
        token_file = data_dir / "worker-token"
        if token_file.exists() and auth_repo.token_by_name(db, LOCAL_WORKER) is not None:
            token = token_file.read_text().strip()
        else:
            existing = auth_repo.token_by_name(db, LOCAL_WORKER)
            if existing is not None:
                db.delete(existing)
                db.flush()
            _row, token = auth_service.create_worker_token(db, LOCAL_WORKER)
            token_file.write_text(token)
            token_file.chmod(0o600)
        db.commit()
    engine.dispose()
    return password, token


def run_embedded(host: str, port: int, data_dir: Path) -> None:
    """Start the server (and the local worker) and block until interrupted."""
    import uvicorn

    from molyte.api.app import create_app

    data_dir.mkdir(parents=True, exist_ok=True)
    password, token = bootstrap(data_dir)
    url = f"http://{host}:{port}"
    app = create_app()
    stop_worker = start_local_worker(url, token, data_dir)
    print(f"Molyte is running at {url}/", flush=True)
    print(f"  login: {ADMIN_NAME} / {password}", flush=True)
    print(f"  API docs: {url}/docs   health: {url}/healthz", flush=True)
    try:
        # Long-polling claims would hold a graceful shutdown for up to a minute.
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
    finally:
        stop_worker()


def start_local_worker(server_url: str, token: str, data_dir: Path):  # type: ignore[no-untyped-def]
    """Run one local worker (local scheduler) in a thread; returns a function that stops it."""
    from molyte.worker.embedded import start_worker_thread

    return start_worker_thread(server_url, token, data_dir)
