"""`/api/v1/auth`: login (OAuth2 password form -> JWT) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from molyte.api.auth import service
from molyte.api.auth.principal import Principal
from molyte.api.auth.schemas import MeOut, TokenOut
from molyte.api.deps import DB, Ctx, get_principal

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB, ctx: Ctx, request: Request
) -> TokenOut:
    client = request.client.host if request.client else "unknown"
    token = service.login(db, ctx, form.username, form.password, client)
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
