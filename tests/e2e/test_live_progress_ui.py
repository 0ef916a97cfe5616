"""A running MD job in real Chromium: the job page shows its stage, progress, time left and a
live density plot that refreshes; the job list shows its progress bar. Screenshots kept."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from support import PASSWORD, ROOT, Api, LiveServer, md_body

RUN_TIMEOUT_MS = 240_000
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def test_running_md_job_shows_progress_and_a_live_density_plot(
    page: Page, stack: tuple[Api, LiveServer]
) -> None:
    api, server = stack
    body = md_body("watched in the browser")
    body["spec"].update(
        {
            "salt_pairs": 2,
            "stages": {"minimize": True, "npt_ps": 20, "nvt_ps": 1},
            "thermo_interval": 100,
            "dump_interval": 1000,
        }
    )
    job = api.submit(api.alice, body)
    sign_in(page, server.url)
    page.goto(f"{server.url}/jobs/{job['id']}")
    live = page.get_by_test_id("live-section")
    expect(live.get_by_test_id("live-stage")).to_contain_text("npt: step", timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    expect(page.get_by_test_id("live-density").locator("canvas").first).to_be_visible(
        timeout=30_000
    )
    expect(live.get_by_test_id("live-updated")).to_contain_text(re.compile(r"updated \d+ s ago"))
    first = page.get_by_test_id("job-progress").get_attribute("value")
    # The page refreshes itself: the progress bar moves on without a reload.
    expect(page.get_by_test_id("job-progress")).not_to_have_attribute(
        "value", first or "", timeout=60_000
    )
    expect(live.get_by_test_id("live-eta")).to_contain_text("left", timeout=60_000)
    shot(page, "20-live-md-job")

    page.goto(f"{server.url}/jobs")
    cell = page.get_by_test_id(f"progress-{job['id']}")
    expect(cell.locator("progress")).to_be_visible()
    expect(cell).to_contain_text("%")
    shot(page, "21-live-job-list")

    r = api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
    assert r.status_code == 200  # frees the worker for other tests
