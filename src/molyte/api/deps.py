"""FastAPI dependencies: the request's database session (the request scope commits) and the
authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from molyte.api.auth import service as auth_service
from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.errors import Forbidden, NotAuthenticated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


# Light dependencies are `async def`: FastAPI runs plain `def` dependencies in a worker thread,
# and a thread hop per dependency costs more than the work they do.
async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def get_db(ctx: Ctx) -> Iterator[Session]:
    """One session per request; committed when the handler returns, before the response."""
    db = ctx.sessions()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


DB = Annotated[Session, Depends(get_db, scope="function")]


async def get_principal(
    ctx: Ctx, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise NotAuthenticated()
    cached = auth_service.cached_principal(token)
    if cached is not None:
        return cached  # hot path: no database round trip, no thread hop
    return await run_in_threadpool(_authenticate, ctx, token)


def _authenticate(ctx: AppContext, token: str) -> Principal:
    with ctx.sessions() as db:
        principal = auth_service.authenticate(db, ctx, token)
        db.commit()
    return principal


async def get_user(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """A signed-in person (USER or ADMIN); worker credentials are refused."""
    if principal.token_name is not None or principal.role == "WORKER":
        raise Forbidden("Worker credentials cannot be used for this endpoint")
    return principal


async def get_admin(principal: Annotated[Principal, Depends(get_user)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Only admins can do this")
    return principal


async def get_worker(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """A worker token, or a WORKER/ADMIN user (the seed's worker accounts log in as users)."""
    if not principal.may_use_worker_api:
        raise Forbidden("Only admin/worker users can fetch pending jobs")
    return principal


CurrentUser = Annotated[Principal, Depends(get_user)]
CurrentAdmin = Annotated[Principal, Depends(get_admin)]
CurrentWorker = Annotated[Principal, Depends(get_worker)]


# Ids are 32-bit integers in the database; larger numbers are refused with 422, not sent to it.
MAX_ID = 2_147_483_647
JobId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
