"""The FastAPI application: routers, error rendering, background sweeper, the built UI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from molyte import __version__
from molyte.api.accounting.endpoints import router as accounting_router
from molyte.api.admin.endpoints import router as admin_router
from molyte.api.auth import service as auth_service
from molyte.api.auth.endpoints import router as auth_router
from molyte.api.auth.ratelimit import LoginLimiter
from molyte.api.context import AppContext
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs.endpoints import router as jobs_router
from molyte.api.jobs.lifecycle import watch_finished
from molyte.api.jobs.preview import Previews
from molyte.api.library.endpoints import router as library_router
from molyte.api.middleware import LimitsAndMetrics
from molyte.api.ops.endpoints import router as ops_router
from molyte.api.ops.metrics import Metrics, Snapshot, WorkerSample
from molyte.api.projects.endpoints import router as projects_router
from molyte.api.storage.endpoints import router as storage_router
from molyte.api.studies.endpoints import router as studies_router
from molyte.api.textguard import TextGuard
from molyte.api.uploads.endpoints import router as uploads_router
from molyte.api.workers import repository as workers_repo
from molyte.api.workers import service as workers_service
from molyte.api.workers.endpoints import router as workers_router
from molyte.api.workers.notify import JobNotifier
from molyte.config import ServerSettings, get_settings
from molyte.db.session import make_engine, make_session_factory
from molyte.errors import MolyteError, SpecInvalid, TooManyRequests
from molyte.notifications.messages import JobFinished, WorkerOffline
from molyte.notifications.sender import NotificationSender
from molyte.storage.registry import store_from_url
from molyte.storage.retry import StoreError
from molyte.storage.signing import UrlSigner

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
SWEEP_LOCK_ID = 0x6D6F6C79  # PostgreSQL advisory lock: one sweeper across server processes
API_PREFIX = "/api/v1"
UI_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self' {extra}; frame-ancestors 'none'; base-uri 'self'"
)


def build_context(settings: ServerSettings) -> AppContext:
    url = settings.resolved_database_url
    engine = make_engine(url)
    dsn = None
    if settings.is_postgres:
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    signing_key = settings.signing_key
    sessions = make_session_factory(engine)
    metrics = Metrics()
    notifications = NotificationSender.from_settings(settings, metrics.observe_notification)

    def finished(jobs: list[JobFinished]) -> None:
        metrics.observe_finished(jobs)
        notifications.job_finished(jobs)

    watch_finished(sessions, finished)
    ctx = AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store_from_url(settings.resolved_storage_url, signing_key, settings.data_dir),
        notifications=notifications,
        signing_key=signing_key,
        verification_keys=settings.verification_keys,
        url_signer=UrlSigner(signing_key),
    )
    ctx.attach(
        JobNotifier(dsn, on_auth_change=auth_service.credential_cache.clear),
        metrics,
        LoginLimiter(
            settings.login_max_failures,
            settings.login_window_seconds,
            settings.login_slowdown_seconds,
            settings.login_max_delay_seconds,
            settings.memory_table_entries,
        ),
        Previews(settings.validations_per_minute, settings.memory_table_entries),
    )
    if dsn:  # PostgreSQL only: the claim statement's async pools (one per event loop)
        ctx.attach(workers_repo.ClaimPools(dsn))
    return ctx


def _sweep_once(ctx: AppContext) -> workers_service.SweepResult | None:
    with ctx.sessions() as db:
        if ctx.settings.is_postgres and not db.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_ID}
        ):
            return None  # another server process is sweeping
        done = workers_service.sweep(db, ctx.settings)
        if done.requeued:
            ctx.feature(JobNotifier).notify_on_commit(db, "any")
        db.commit()
    ctx.feature(Metrics).lease_expiries.labels("requeued").inc(done.requeued)
    ctx.feature(Metrics).lease_expiries.labels("failed").inc(done.failed)
    ctx.notifications.worker_offline(
        WorkerOffline(w.name, w.hostname, w.last_heartbeat) for w in done.offline
    )
    return done


async def _sweeper(ctx: AppContext) -> None:
    while True:
        await asyncio.sleep(ctx.settings.sweep_interval_seconds)
        try:
            await run_in_threadpool(_sweep_once, ctx)
        except Exception:
            log.exception("lease sweep failed")


def _database_snapshot(ctx: AppContext) -> Snapshot:
    with ctx.sessions() as db:
        counts = jobs_repo.count_by_state(db)
        pending = jobs_repo.pending_by_priority(db)
        oldest = jobs_repo.oldest_pending_created(db)
        workers = workers_service.workers_view(db, ctx.settings)
    now = datetime.now(UTC)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Snapshot(
        jobs=counts,
        pending=pending,
        oldest_pending_seconds=(now - oldest).total_seconds() if oldest else None,
        workers=[
            WorkerSample(
                name=w.name,
                online=online,
                heartbeat_age_seconds=(
                    (now - w.last_heartbeat).total_seconds() if w.last_heartbeat else None
                ),
                running=running,
                capacity=w.capacity,
            )
            for w, online, running in workers
        ],
    )


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The API server for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    ctx = build_context(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.feature(JobNotifier).start(asyncio.get_running_loop())
        ctx.notifications.start()
        sweeper = asyncio.create_task(_sweeper(ctx))
        yield
        sweeper.cancel()
        ctx.feature(JobNotifier).stop()
        pools = ctx.find(workers_repo.ClaimPools)
        if pools is not None:
            await pools.close()
        await run_in_threadpool(ctx.notifications.close)
        ctx.engine.dispose()

    app = FastAPI(
        title="Molyte",
        version=__version__,
        description="Electrolyte simulations on an HPC cluster from a web page.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.ctx = ctx
    ctx.feature(Metrics).track_database(lambda: _database_snapshot(ctx))

    @app.exception_handler(MolyteError)
    async def _molyte_error(_request: Request, exc: MolyteError) -> JSONResponse:
        if isinstance(exc, StoreError):
            ctx.feature(Metrics).storage_errors.inc()
            log.warning("object store error: %s", exc.message, extra={"action": "store"})
        if isinstance(exc, SpecInvalid):
            return JSONResponse({"detail": exc.errors}, status_code=exc.status_code)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)

    for router in (
        auth_router,
        jobs_router,
        workers_router,
        uploads_router,
        admin_router,
        library_router,
        projects_router,
        studies_router,
        accounting_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    _include_storage_routes(app, ctx)
    app.include_router(ops_router)
    _serve_ui(app)

    # Innermost: the size limit below has already bounded the body it reads.
    app.add_middleware(TextGuard, skip_body_prefixes=(f"{API_PREFIX}/storage/",))
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        LimitsAndMetrics,
        metrics=ctx.feature(Metrics),
        max_body=settings.max_request_bytes,
        csp=UI_CSP.format(extra=_store_origin(settings)),
    )
    return app


def _store_origin(settings: ServerSettings) -> str:
    """The object store's origin, so the UI may fetch presigned result URLs from it."""
    from urllib.parse import parse_qs, urlparse

    url = urlparse(settings.resolved_storage_url)
    if url.scheme != "s3":
        return ""
    endpoint = parse_qs(url.query).get("endpoint", [""])[0]
    return endpoint or "https://*.amazonaws.com https://*.myqcloud.com"


def _include_storage_routes(app: FastAPI, ctx: AppContext) -> None:
    """Signed URLs served by the API itself: the local store's objects, and result zips."""
    app.state.store = ctx.store
    app.state.url_signer = ctx.url_signer
    app.include_router(storage_router, prefix=API_PREFIX)


def _serve_ui(app: FastAPI) -> None:
    """The built UI at `/`; unknown non-API paths get the app so client routes work."""
    index = STATIC_DIR / "index.html"

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def ui(path: str) -> FileResponse | PlainTextResponse | JSONResponse:
        if path.startswith(("api/", "docs", "healthz", "metrics")):
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        candidate = (STATIC_DIR / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(STATIC_DIR):
            return FileResponse(candidate)
        if index.exists():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return PlainTextResponse(
            "Molyte API is running. The web UI is not built: run `make ui`. API docs: /docs",
            status_code=200,
        )
