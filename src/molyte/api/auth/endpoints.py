"""`/api/v1/auth`: login (OAuth2 password form -> JWT) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from molyte.api.auth import service
from molyte.api.auth.principal import Principal
from molyte.api.auth.schemas import MeOut, TokenOut
from molyte.api.deps import DB, Ctx, get_principal

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def login(
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    db: DB,
    ctx: Ctx,
    request: Request,
) -> TokenOut:
    """The OAuth2 password flow's form (`username`, `password`; other OAuth2 fields ignored).
    Both are bounded: a name longer than any account's is refused before it is looked up or
    counted by the login throttle."""
    client = request.client.host if request.client else "unknown"
    token = service.login(db, ctx, username, password, client)
    return TokenOut(access_token=token, expires_in=ctx.settings.access_token_minutes * 60)


@router.get("/me")
def me(principal: Annotated[Principal, Depends(get_principal)], db: DB) -> MeOut:
    user = service.account(db, principal)
    return MeOut(
        id=principal.user_id,
        username=principal.name,
        role=principal.role,
        max_priority=user.max_priority if user is not None else None,
    )
