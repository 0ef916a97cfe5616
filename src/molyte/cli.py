"""The `molyte` command (docs/architecture.md, "The HTTP contract": the command line)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from molyte import __version__

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from molyte.client import Client

app = typer.Typer(help="Molyte: electrolyte simulations on an HPC cluster.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Worker tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="worker-token")

ROLES = ("admin", "user", "worker")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _session() -> Session:
    from molyte.config import get_settings
    from molyte.db.session import make_engine, make_session_factory

    settings = get_settings()
    return make_session_factory(make_engine(settings.resolved_database_url))()


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from molyte.config import get_settings
    from molyte.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url)
    typer.echo("database is up to date")


@user_app.command("create")
def user_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin, user or worker (any case)")] = "user",
    password: Annotated[str | None, typer.Option(help="generated and printed when omitted")] = None,
    email: Annotated[str | None, typer.Option(help="where job notifications go")] = None,
) -> None:
    """Create a user. Without --password one is generated and printed as `password: PW`."""
    from molyte.api.auth import service
    from molyte.api.auth.principal import Role
    from molyte.config import get_settings
    from molyte.errors import MolyteError

    if role.lower() not in ROLES:
        _fail(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    settings = get_settings()
    with _session() as db:
        try:
            user, pw = service.create_user(
                db, name, Role(role.upper()), password, settings.password_min_length, email=email
            )
        except MolyteError as exc:
            _fail(exc.message)
        db.commit()
    typer.echo(f"created {user.role} {user.username}")
    if password is None:
        typer.echo(f"password: {pw}")


LIMIT_HELP = "N, 0 (no limit) or default (the server's MOLYTE_DEFAULT_* setting)"


@user_app.command("update")
def user_update(
    name: str,
    max_priority: Annotated[
        int | None, typer.Option(help="highest priority the user may give a job (-10..10)")
    ] = None,
    max_running_jobs: Annotated[
        str | None, typer.Option(help=f"jobs the user may have running at once: {LIMIT_HELP}")
    ] = None,
    max_pending_jobs: Annotated[
        str | None, typer.Option(help=f"jobs the user may have waiting at once: {LIMIT_HELP}")
    ] = None,
    max_submissions_per_minute: Annotated[
        str | None, typer.Option(help=f"jobs the user may submit per minute: {LIMIT_HELP}")
    ] = None,
) -> None:
    """Change a user's scheduling limits and submission quotas; prints the values in force."""
    from pydantic import ValidationError

    from molyte.api.auth import service
    from molyte.api.auth.schemas import UserLimits
    from molyte.errors import MolyteError

    changes: dict[str, int | None] = {}
    if max_priority is not None:
        changes["max_priority"] = max_priority
    counts = {
        "max_running_jobs": max_running_jobs,
        "max_pending_jobs": max_pending_jobs,
        "max_submissions_per_minute": max_submissions_per_minute,
    }
    for field, value in counts.items():
        if value is None:
            continue
        if value != "default" and not value.isdigit():
            option = "--" + field.replace("_", "-")
            _fail(f"{option} takes a number or 'default', not {value!r}")
        changes[field] = None if value == "default" else int(value)
    if not changes:
        _fail("nothing to change: give --max-priority or one of the --max-* limits")
    try:
        limits = UserLimits.model_validate(changes)
    except ValidationError as exc:
        _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
    with _session() as db:
        try:
            user = service.update_limits(db, service.user_id_by_name(db, name), limits)
        except MolyteError as exc:
            _fail(exc.message)
        db.commit()
        shown = [f"max_priority {user.max_priority}"] + [
            f"{field} {'default' if getattr(user, field) is None else getattr(user, field)}"
            for field in counts
        ]
        typer.echo(f"{user.username}: {', '.join(shown)}")


@token_app.command("create")
def token_create(
    name: str,
    worker_name: Annotated[
        str | None,
        typer.Option(help="the worker.name it may act as (default: the name it first uses)"),
    ] = None,
) -> None:
    """Create a worker token; the token is printed alone on the last line, once."""
    from molyte.api.auth import service
    from molyte.errors import MolyteError

    with _session() as db:
        try:
            _row, secret = service.create_worker_token(db, name, worker_name)
        except MolyteError as exc:
            _fail(exc.message)
        db.commit()
    typer.echo(f"created worker token {name}; store it now, it is not shown again:")
    typer.echo(secret)


@token_app.command("list")
def token_list() -> None:
    """List worker tokens (never their secrets)."""
    from molyte.api.auth import service

    with _session() as db:
        rows = service.list_worker_tokens(db)
    typer.echo(f"{'NAME':<24} {'CREATED':<26} {'LAST USED':<26} STATUS")
    for t in rows:
        used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "-"
        status = "revoked" if t.revoked else "active"
        typer.echo(
            f"{t.name:<24} {t.created_at.isoformat(timespec='seconds'):<26} {used:<26} {status}"
        )


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a worker token; workers using it get 401 from then on."""
    from molyte.api.auth import service
    from molyte.errors import MolyteError

    with _session() as db:
        try:
            service.revoke_worker_token(db, name)
        except MolyteError as exc:
            _fail(exc.message)
        db.commit()
    typer.echo(f"revoked worker token {name}")


def _configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )


@app.command()
def server(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes (uvicorn workers)")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="log every request (the reverse proxy usually does)")
    ] = False,
) -> None:
    """Run the API server (and the built UI); `--workers N` runs N processes on one port."""
    import uvicorn

    _configure_logging()
    if workers > 1:
        import shutil
        import tempfile

        from molyte.api.ops.metrics import MULTIPROC_ENV
        from molyte.config import get_settings

        if not get_settings().is_postgres:
            # Wake-ups and the sweeper's lock cross processes only through PostgreSQL.
            _fail("--workers above 1 needs PostgreSQL: set MOLYTE_DATABASE_URL")
        # Each process writes its counters here; a scrape of any of them adds them all up.
        metrics_dir = tempfile.mkdtemp(prefix="molyte-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
        try:
            uvicorn.run(
                "molyte.api.app:create_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                proxy_headers=True,
                access_log=access_log,
                timeout_graceful_shutdown=5,
            )
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    else:
        from molyte.api.app import create_app

        uvicorn.run(
            create_app(),
            host=host,
            port=port,
            proxy_headers=True,
            access_log=access_log,
            timeout_graceful_shutdown=5,
        )


@app.command()
def up(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    data_dir: Annotated[Path, typer.Option(help="database, results and work dirs")] = Path(
        ".molyte"
    ),
) -> None:
    """Everything on embedded defaults in one process: SQLite, local store, a local worker."""
    from molyte.embedded import run_embedded

    _configure_logging()
    os.environ.setdefault("MOLYTE_DATA_DIR", str(data_dir))
    run_embedded(host, port, data_dir)


def _session_file() -> Path:
    return Path(
        os.environ.get("MOLYTE_CLIENT_CONFIG", "~/.config/molyte/session.json")
    ).expanduser()


def _client() -> Client:
    import json

    from molyte.client import Client

    path = _session_file()
    if not path.exists():
        _fail("not signed in: run `molyte login --url URL --username NAME` first")
    saved = json.loads(path.read_text())
    return Client(saved["url"], saved["token"])


@app.command()
def login(
    url: Annotated[str, typer.Option(help="the server, e.g. https://molyte.example.org")],
    username: Annotated[str, typer.Option()],
    password: Annotated[
        str | None, typer.Option(envvar="MOLYTE_PASSWORD", help="asked for when omitted")
    ] = None,
) -> None:
    """Sign in and keep the session token in ~/.config/molyte/session.json (mode 600)."""
    import json

    from molyte.client import Client, ClientError

    if password is None:
        if not sys.stdin.isatty():
            _fail("no password: pass --password or set MOLYTE_PASSWORD")
        password = typer.prompt("password", hide_input=True)
    try:
        client = Client.login(url, username, password)
    except (ClientError, OSError) as exc:
        _fail(f"login failed: {exc}")
    path = _session_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(
        json.dumps(
            {
                "url": client.url,
                "token": client.http.headers["Authorization"].removeprefix("Bearer "),
            }
        )
    )
    typer.echo(f"signed in to {client.url} as {username}")


@app.command()
def submit(file: Path) -> None:
    """Submit a job request (JSON, like examples/md-job.json); prints the job id."""
    from molyte.client import ClientError

    with _client() as client:
        try:
            job = client.submit(file)
        except ClientError as exc:
            _fail(str(exc.detail))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {file}: {exc}")
    typer.echo(f"submitted job {job['id']} ({job['type']}, {job['name']}): {job['state']}")


WATCH_SECONDS = 5.0


@app.command()
def status(
    job_id: int,
    watch: Annotated[bool, typer.Option("--watch", help="refresh until the job ends")] = False,
) -> None:
    """Show a job's state, progress, stage and time left, and its timeline."""
    import time

    from molyte.client import TERMINAL, ClientError, progress_text

    with _client() as client:
        shown = None
        while True:
            try:
                job = client.get(job_id)
            except ClientError as exc:
                _fail(str(exc.detail))
            line = f"job {job['id']} {job['name']}: {job['state']}" + (
                f" ({job['failure_reason']})" if job.get("failure_reason") else ""
            )
            progress = progress_text(job)
            if progress:
                line += f"\n  progress {progress}"
            if not watch or job["state"] in TERMINAL:
                break
            if line != shown:  # while watching: one block per change, not per poll
                typer.echo(line)
                shown = line
            time.sleep(WATCH_SECONDS)
    typer.echo(line)
    for e in job["events"]:
        typer.echo(
            f"  {e['time']}  {e['from'] or '-':>14} -> {e['to']:<14} {e['actor']}"
            f"  {e['message'] or ''}"
        )


@app.command()
def fetch(
    job_id: int,
    out: Annotated[Path, typer.Option("--out", help="folder for the files")],
) -> None:
    """Download a job's result files, with a progress bar, checking each checksum."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from molyte.client import ClientError

    with (
        _client() as client,
        Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn()) as bars,
    ):
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = int(bars.add_task(name, total=total))
            bars.update(tasks[name], completed=done)  # type: ignore[arg-type]

        try:
            paths = client.download_results(job_id, out, progress)
        except ClientError as exc:
            _fail(str(exc.detail))
    typer.echo(f"{len(paths)} files in {out}")


@app.command()
def worker(
    config: Annotated[Path, typer.Option("--config", help="the worker's YAML file")],
    check: Annotated[bool, typer.Option("--check", help="test the setup and exit")] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="log here only (rotated by size like local.log_file), not to stderr",
        ),
    ] = None,
) -> None:
    """Run the polling worker (on a cluster's login node), or check its setup."""
    from molyte.errors import ConfigError
    from molyte.worker.config import load_config

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(exc.message, code=2)
    if check:
        from molyte.worker.check import run_checks

        checks = run_checks(cfg)
        for c in checks:
            mark = "ok  " if c.ok else ("FAIL" if c.required else "warn")
            typer.echo(f"[{mark}] {c.name}: {c.detail}")
        failed = [c for c in checks if c.required and not c.ok]
        raise typer.Exit(1 if failed else 0)
    from molyte.worker.app import configure_logging, run_worker
    from molyte.worker.client import WorkerMisconfigured

    configure_logging(cfg, log_file=log_file)
    try:
        run_worker(cfg)
    except WorkerMisconfigured:
        raise typer.Exit(2) from None  # the worker logged the one line that says why


def _register_engine_commands() -> None:
    from molyte.engines.qc.cli import qc_app

    app.add_typer(qc_app, name="qc", help="Quantum chemistry inputs and outputs.")
    try:
        from molyte.engines.md.cli import md_app
    except ImportError:
        return
    app.add_typer(md_app, name="md", help="Molecular dynamics inputs.")


_register_engine_commands()


def main() -> None:
    app()
