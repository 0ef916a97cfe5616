"""Browser tests: a live server with a real local worker (real engines, local scheduler),
driven in Debian's Chromium by Playwright. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from molyte.worker.app import build_worker
from molyte.worker.config import parse_config
from support import ROOT, Api, LiveServer, api_session, make_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, LiveServer]]:
    """The API on SQLite with the built UI, and one real worker in a thread."""
    if not (ROOT / "src" / "molyte" / "web" / "static" / "index.html").exists():
        pytest.fail("the UI is not built: run `make ui`")
    tmp = tmp_path_factory.mktemp("e2e")
    settings = make_settings(f"sqlite:///{tmp / 'db.sqlite'}", tmp)
    from molyte.db.migrate import upgrade

    upgrade(settings.resolved_database_url)
    with api_session(settings) as api, LiveServer(api.app) as server:
        cfg = parse_config(
            {
                "api": {
                    "base_url": server.url,
                    "worker_token": api.worker_token,
                    "poll_interval": 1,
                },
                "worker": {
                    "name": "e2e-worker",
                    "max_concurrent_jobs": 2,
                    "heartbeat_interval": 2,
                    "progress_interval": 2,
                },
                "local": {"md_work_dir": str(tmp / "md"), "qc_work_dir": str(tmp / "qc")},
                "scheduler": {"type": "local", "local_max_parallel": 2},
            }
        )
        worker = build_worker(cfg)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            yield api, server
        finally:
            worker.stop()
            thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()
