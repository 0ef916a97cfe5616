"""Studies in the browser: a project, a two-point MD study from the form, run by the real local
worker, its table and density-against-concentration plot, exports, provenance and usage."""

from __future__ import annotations

import csv
import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from support import PASSWORD, ROOT, Api, LiveServer

# Two short MD jobs side by side on a machine other tests also use.
STUDY_TIMEOUT_MS = 480_000
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CONCENTRATION = "salts.0.concentration"


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, user: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def download_text(page: Page, test_id: str) -> tuple[str, bytes]:
    """Click a download button; the suggested file name and the file's bytes."""
    with page.expect_download() as info:
        page.get_by_test_id(test_id).click()
    path = info.value.path()
    assert path is not None
    return info.value.suggested_filename, path.read_bytes()


def test_md_study_from_form_to_plot(page: Page, stack: tuple[Api, LiveServer]) -> None:
    api, server = stack
    sign_in(page, server.url, "alice")

    # A project to put the study in, with bob as a viewer.
    page.goto(server.url + "/projects")
    page.fill("input[name=project-name]", "Electrolytes")
    page.get_by_role("button", name="Create project").click()
    card = page.locator('section[data-testid^="project-"]').filter(has_text="Electrolytes")
    expect(card).to_be_visible()
    card.get_by_label("Username").fill("bob")
    card.get_by_label("Role").select_option("viewer")
    card.get_by_role("button", name="Add member").click()
    expect(card.get_by_test_id(re.compile(r"member-\d+-bob"))).to_contain_text("viewer")
    card.get_by_role("button", name="Work in this project").click()
    expect(page.get_by_test_id("project-switcher").locator("option:checked")).to_have_text(
        "Electrolytes"
    )
    shot(page, "20-projects")

    # The study form: the MD form (the shortest run the e2e MD test uses) plus what varies.
    page.goto(server.url + "/studies/new/md")
    form = page.get_by_test_id("md-form")
    expect(form).to_be_visible()
    form.locator('input[name="name"]').fill("LiPF6 concentration study")
    form.locator('input[name="salt_pairs"]').fill("3")
    form.locator('input[name="stages.npt_ps"]').fill("4")
    form.locator('input[name="stages.nvt_ps"]').fill("6")
    form.locator("details.advanced summary").click()
    form.locator('input[name="dump_interval"]').fill("200")
    form.locator('input[name="thermo_interval"]').fill("200")
    expect(form.locator('select[name="vary.0.path"]')).to_have_value(CONCENTRATION)
    form.locator('input[name="vary.0.values"]').fill("0.5, 1.0")
    expect(page.get_by_test_id("study-count")).to_have_text("Jobs to run: 2")
    # A second varied field multiplies the count; taken away again before submitting.
    page.get_by_test_id("add-variable").click()
    form.locator('select[name="vary.1.path"]').select_option("temperature")
    form.locator('input[name="vary.1.values"]').fill("298:318:10")
    expect(page.get_by_test_id("study-count")).to_have_text("Jobs to run: 6")
    page.get_by_role("button", name="Stop varying field 2").click()
    expect(page.get_by_test_id("study-count")).to_have_text("Jobs to run: 2")
    expect(page.get_by_test_id("preview-atoms")).to_contain_text(re.compile(r"\d"), timeout=20_000)
    shot(page, "21-study-form")
    page.get_by_test_id("submit-study").click()
    page.wait_for_url(re.compile(r"/studies/\d+$"))
    study_id = int(page.url.rsplit("/", 1)[1])

    study = api.client.get(f"/api/v1/studies/{study_id}", headers=api.alice).json()
    assert study["variables"] == {CONCENTRATION: [0.5, 1.0]}
    assert study["project_id"] is not None
    job_ids = sorted(row["job_id"] for row in study["rows"])
    assert len(job_ids) == 2
    expect(page.get_by_test_id("study-project")).to_contain_text("project Electrolytes")
    table = page.get_by_test_id("study-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    shot(page, "22-study-running")

    progress = page.get_by_test_id("study-progress")
    expect(progress).to_have_attribute("data-done", "2", timeout=STUDY_TIMEOUT_MS)
    expect(table.locator('[data-state="COMPLETED"]')).to_have_count(2)

    # The table shows the server's densities; the plot is density against concentration.
    study = api.client.get(f"/api/v1/studies/{study_id}", headers=api.alice).json()
    densities = {
        row["values"][CONCENTRATION]: row["results"]["density_g_cm3"] for row in study["rows"]
    }
    assert set(densities) == {0.5, 1.0}
    assert all(0.5 < d < 2.5 for d in densities.values()), densities
    for row in study["rows"]:
        cell = page.get_by_test_id(f"result-{row['job_id']}-density_g_cm3")
        expect(cell).to_have_text(re.compile(r"^\d\.\d+"))
        shown = float(cell.inner_text().split()[0])
        assert abs(shown - row["results"]["density_g_cm3"]) < 1e-3 * row["results"]["density_g_cm3"]
    expect(page.get_by_test_id("plot-y")).to_have_value("density_g_cm3")
    expect(page.get_by_test_id("plot-x")).to_have_value(CONCENTRATION)
    plot = page.get_by_test_id("plot-study")
    expect(plot.locator("canvas").first).to_be_visible(timeout=30_000)
    expect(plot).to_have_attribute(
        "aria-label", "Density against Salt 1 concentration (mol/L of solvent)"
    )

    # Sorting by density puts the rows in density order, both ways.
    page.get_by_test_id("sort-r-density_g_cm3").click()
    by_density = [
        job
        for _c, job in sorted(
            (row["results"]["density_g_cm3"], row["job_id"]) for row in study["rows"]
        )
    ]
    rows = table.locator("tbody tr")
    expect(rows.first).to_have_attribute("data-testid", f"study-row-{by_density[0]}")
    page.get_by_test_id("sort-r-density_g_cm3").click()
    expect(rows.first).to_have_attribute("data-testid", f"study-row-{by_density[-1]}")
    page.wait_for_timeout(500)
    shot(page, "23-study-done")

    # Exports: the table as CSV (in the order shown), the plot as SVG and PNG.
    name, data = download_text(page, "download-csv")
    assert name == "LiPF6-concentration-study.csv"
    records = list(csv.DictReader(io.StringIO(data.decode())))
    assert [int(r["job_id"]) for r in records] == list(reversed(by_density))
    for record in records:
        assert float(record["density_g_cm3"]) == densities[float(record[CONCENTRATION])]
    name, data = download_text(page, "plot-study-svg")
    assert name.endswith(".svg")
    svg = data.decode()
    assert svg.startswith("<svg") and svg.count("<circle ") == 2
    assert "Density (g/cm³)" in svg
    (ARTIFACTS / "26-study-plot-export.svg").write_text(svg)
    name, data = download_text(page, "plot-study-png")
    assert name.endswith(".png")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1440, 880)
    (ARTIFACTS / "26-study-plot-export.png").write_bytes(data)

    # A job of the study: its provenance, and "make a study from this job" starts from its spec.
    page.get_by_role("link", name=f"#{job_ids[0]}").click()
    provenance = page.get_by_test_id("provenance")
    expect(provenance).to_be_visible(timeout=30_000)
    expect(provenance.get_by_test_id("provenance-worker")).to_contain_text("e2e-worker")
    expect(provenance.get_by_test_id("provenance-core_hours")).to_contain_text(re.compile(r"\d"))
    shot(page, "24-study-job-provenance")
    page.get_by_test_id("make-study").click()
    expect(page.get_by_test_id("md-form").locator('input[name="salt_pairs"]')).to_have_value("3")
    expect(page.get_by_test_id("md-form").locator('input[name="stages.nvt_ps"]')).to_have_value("6")

    # The admin's accounting: the project's two jobs and their core-hours.
    page.get_by_test_id("sign-out").click()
    sign_in(page, server.url, "admin")
    page.goto(server.url + "/admin/usage")
    page.locator('select[name="group_by"]').select_option("project")
    row = page.get_by_test_id("usage-row-Electrolytes")
    expect(row).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("2")
    usage = api.client.get(
        "/api/v1/admin/usage", params={"group_by": "project"}, headers=api.admin
    ).json()
    hours = next(r["core_hours"] for r in usage["rows"] if r["key"] == "Electrolytes")
    assert hours > 0
    shot(page, "25-usage")
