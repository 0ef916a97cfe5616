"""Sign-in under attack, on a live server (SQLite and PostgreSQL): oversized usernames are
refused without costing the server memory, and wrong passwords from many addresses slow the
account down without locking its owner out."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from molyte.api.app import create_app
from molyte.config import ServerSettings
from molyte.db.models import User
from molyte.db.session import make_engine, make_session_factory
from server_process import ServerProcess, server_env
from support import PASSWORD, LiveServer, make_settings, password_hash

LOGIN = "/api/v1/auth/login"
MIB = 1024 * 1024


def _seed_alice(database_url: str, tmp_path: Path) -> None:
    url = ServerSettings(database_url=database_url, data_dir=tmp_path).resolved_database_url
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        db.add(User(username="alice", password_hash=password_hash(), role="USER"))
        db.commit()
    engine.dispose()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """`molyte server` as its own process, so its memory can be read from /proc."""
    _seed_alice(database_url, tmp_path)
    proc = ServerProcess(server_env(database_url, tmp_path), tmp_path / "server.log")
    try:
        proc.wait_healthy()
        yield proc
    finally:
        proc.stop()


def test_oversized_usernames_are_refused_and_cost_no_memory(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:

        def flood(count: int) -> set[int]:
            """`count` sign-ins, each with a new ~0.9 MiB username; their status codes."""
            return {
                http.post(
                    LOGIN,
                    data={
                        "username": f"{n}-{secrets.token_hex(4)}" + "u" * (9 * MIB // 10),
                        "password": "wrong-pw-1",
                    },
                ).status_code
                for n in range(count)
            }

        flood(20)  # warm-up: the form parser's buffers, the allocator's arenas
        before = server.rss_bytes()
        codes = flood(300)
        after = server.rss_bytes()
        growth = after - before
        print(f"server RSS before {before / MIB:.1f} MiB, after 300 logins {after / MIB:.1f} MiB")
        assert growth < 20 * MIB, f"the server grew by {growth / MIB:.1f} MiB"
        assert codes == {422}

        # The bound: 64 characters, the longest username an account can have.
        r = http.post(LOGIN, data={"username": "a" * 65, "password": "wrong-pw-1"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "username"]
        assert http.post(LOGIN, data={"username": "a" * 64, "password": "x1"}).status_code == 401
        assert http.post(LOGIN, data={"username": "alice", "password": PASSWORD}).is_success


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # A 20 s slowdown: longer than the test takes to make its next attempts.
    settings = make_settings(
        database_url, tmp_path, login_max_failures=5, login_slowdown_seconds=20
    )
    app = create_app(settings)
    with app.state.ctx.sessions() as db:
        db.add(User(username="alice", password_hash=password_hash(), role="USER"))
        db.commit()
    with LiveServer(app) as server:
        yield server


def _login(live: LiveServer, address: str, password: str, user: str = "alice") -> httpx.Response:
    """A sign-in from the loopback address `address` (all of 127/8 reaches lo)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=live.url, transport=transport, timeout=30) as http:
        return http.post(LOGIN, data={"username": user, "password": password})


def test_many_addresses_cannot_lock_the_owner_out(live: LiveServer) -> None:
    owner = "127.0.0.2"
    assert _login(live, owner, PASSWORD).status_code == 200  # the owner's usual address
    codes = [_login(live, "127.0.1.1", f"guess-{k}").status_code for k in range(5)]
    assert codes == [401] * 5
    r = _login(live, "127.0.1.1", PASSWORD)
    assert r.status_code == 429  # that address has used up its tries on this account
    assert "for this account from your address" in r.json()["detail"]
    spread = [_login(live, f"127.0.2.{n}", f"guess-{n}").status_code for n in range(10)]
    assert spread == [429] * 10  # the account is slowed down for addresses it does not know

    r = _login(live, owner, PASSWORD)
    assert r.status_code == 200, r.text  # ... but not for its owner's

    r = _login(live, "127.0.3.1", "another-guess")
    assert r.status_code == 429
    assert "slowed down" in r.json()["detail"]
    assert 1 <= int(r.headers["Retry-After"]) <= 20


def test_one_address_is_limited_over_all_accounts(live: LiveServer) -> None:
    address = "127.0.4.1"
    for n in range(25):  # 5 x the per-account limit, one failure on each of 25 names
        assert _login(live, address, "wrong-pw-1", user=f"user{n}").status_code == 401
    r = _login(live, address, PASSWORD)
    assert r.status_code == 429
    assert "from your address" in r.json()["detail"]
    assert _login(live, "127.0.4.2", PASSWORD).status_code == 200


def test_unusual_http_methods_share_one_metric_series(live: LiveServer) -> None:
    """Methods are labels of the latency metric; each distinct one would be a new series."""
    unusual = ("PROPFIND", "MKCOL", "LOCK", "UNLOCK", "PURGE", "SEARCH")
    with httpx.Client(base_url=live.url, timeout=30) as http:
        for method in unusual:
            assert http.request(method, "/api/v1/jobs").status_code < 500
        metrics = http.get("/metrics").text
    assert not [m for m in unusual if f'method="{m}"' in metrics]
    assert 'method="other"' in metrics
