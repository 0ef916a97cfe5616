"""The web UI in real Chromium against a live server and a real worker."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from support import PASSWORD, ROOT, Api, LiveServer, qc_body

JOB_TIMEOUT_MS = 240_000
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, user: str = "alice") -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def distinct_colours(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(set(image.getdata()))


def test_qc_job_from_form_to_results(page: Page, stack: tuple[Api, LiveServer]) -> None:
    api, server = stack
    sign_in(page, server.url)
    shot(page, "01-job-list-empty")
    page.goto(server.url + "/jobs/new/qc")
    form = page.get_by_test_id("qc-form")
    expect(form).to_be_visible()
    form.locator('input[name="name"]').fill("Water from the browser")
    form.locator('input[name="molecule.smiles"]').fill("O")
    form.locator('select[name="task"]').select_option("opt_freq")
    form.locator('select[name="method"]').select_option("HF")
    form.locator('select[name="basis"]').select_option("6-31G*")
    form.locator('select[name="engine"]').select_option("pyscf")
    shot(page, "02-qc-form")
    page.get_by_test_id("submit-job").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    badge = page.locator('[data-state="COMPLETED"]')
    expect(badge).to_be_visible(timeout=JOB_TIMEOUT_MS)
    shot(page, "03-qc-detail")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("e2e-worker")
    plot = page.get_by_test_id("plot-frequencies")
    expect(plot.locator("canvas").first).to_be_visible(timeout=30_000)
    viewer = page.get_by_test_id("viewer-3d")
    expect(viewer.locator("canvas").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    assert distinct_colours(viewer.screenshot()) > 5, "the 3D viewer drew nothing"
    with page.expect_download() as download:
        page.get_by_test_id("download-final.xyz").click()
    path = download.value.path()
    assert path is not None and path.read_text().splitlines()[0].strip() == "3"
    assert api.job(job_id)["state"] == "COMPLETED"


def test_form_shows_the_servers_message(page: Page, stack: tuple[Api, LiveServer]) -> None:
    _api, server = stack
    sign_in(page, server.url)
    page.goto(server.url + "/jobs/new/qc")
    form = page.get_by_test_id("qc-form")
    form.locator('input[name="name"]').fill("Impossible radical")
    form.locator('input[name="molecule.smiles"]').fill("O")
    form.locator('input[name="molecule.multiplicity"]').fill("2")
    page.get_by_test_id("submit-job").click()
    error = page.get_by_test_id("error-molecule.multiplicity")
    expect(error).to_be_visible(timeout=15_000)
    expect(error).to_contain_text(re.compile("multiplicity", re.I))
    shot(page, "04-qc-form-error")
    assert "/jobs/new/qc" in page.url


def test_another_users_job_page_is_not_found(page: Page, stack: tuple[Api, LiveServer]) -> None:
    api, server = stack
    job = api.submit(api.alice, qc_body("alice private"))
    sign_in(page, server.url, "bob")
    page.goto(f"{server.url}/jobs/{job['id']}")
    expect(page.get_by_text(re.compile("not found", re.I)).first).to_be_visible()
    expect(page.get_by_text("alice private")).to_have_count(0)
    shot(page, "05-other-users-job")


def test_md_job_from_form_to_results(page: Page, stack: tuple[Api, LiveServer]) -> None:
    api, server = stack
    sign_in(page, server.url)
    page.goto(server.url + "/jobs/new/md")
    form = page.get_by_test_id("md-form")
    expect(form).to_be_visible()
    form.locator('input[name="name"]').fill("LiPF6 EC-DMC from the browser")
    form.locator('input[name="salt_pairs"]').fill("3")
    form.locator('input[name="stages.npt_ps"]').fill("4")
    form.locator('input[name="stages.nvt_ps"]').fill("6")
    form.locator("details.advanced summary").click()
    form.locator('input[name="dump_interval"]').fill("200")
    form.locator('input[name="thermo_interval"]').fill("200")
    summary = page.get_by_test_id("system-summary")
    expect(summary.get_by_test_id("preview-atoms")).to_contain_text(
        re.compile(r"\d"), timeout=20_000
    )
    shot(page, "06-md-form")
    page.get_by_test_id("submit-job").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator('[data-state="COMPLETED"]')).to_be_visible(timeout=JOB_TIMEOUT_MS)
    for plot in ("plot-thermo", "plot-density", "plot-rdf", "plot-msd"):
        expect(page.get_by_test_id(plot).locator("canvas").first).to_be_visible(timeout=30_000)
    viewer = page.get_by_test_id("viewer-3d")
    expect(viewer.locator("canvas").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    assert distinct_colours(viewer.screenshot()) > 5, "the 3D viewer drew nothing"
    shot(page, "07-md-detail")
    results = api.client.get(f"/api/v1/jobs/{job_id}/results", headers=api.alice).json()
    names = {f["name"] for f in results["files"]}
    assert {"final.pdb", "thermo.csv", "summary.json"} <= names
    assert results["summary"]["density"]["unit"] == "g/cm^3"


def test_salt_free_neat_ionic_liquid_from_form(page: Page, stack: tuple[Api, LiveServer]) -> None:
    """No salt and one ionic liquid, picked from the library the server lists: the job keeps
    that composition on the list, on its page (run and analysed) and read back into the form."""
    api, server = stack
    sign_in(page, server.url)
    page.goto(server.url + "/jobs/new/md")
    form = page.get_by_test_id("md-form")
    # The pickers are the server's library once it has loaded.
    expect(form.locator('select[name="salts.0.name"]')).to_be_visible(timeout=20_000)
    form.get_by_label("Remove salt 1").click()
    expect(form.get_by_test_id("salt-free-note")).to_contain_text("salt-free")
    expect(form.locator('[data-testid="salts"] select')).to_have_count(0)
    form.get_by_label("Remove solvent 2").click()
    liquid = form.locator('select[name="solvents.0.name"]')
    expect(liquid.locator('optgroup[label="Ionic liquids"] option')).to_have_count(12)
    liquid.select_option("[EMIM][TFSI]")
    form.locator('input[name="molecules"]').fill("12")
    form.locator('input[name="stages.npt_ps"]').fill("1")
    form.locator('input[name="stages.nvt_ps"]').fill("1")
    form.locator("details.advanced summary").click()
    form.locator('input[name="dump_interval"]').fill("50")
    form.locator('input[name="thermo_interval"]').fill("50")
    summary = page.get_by_test_id("system-summary")
    expect(summary.get_by_test_id("count-EMIM")).to_have_text("12", timeout=20_000)
    expect(summary.get_by_test_id("count-TFSI")).to_have_text("12")
    shot(page, "08-md-form-neat-ionic-liquid")
    page.get_by_test_id("submit-job").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("job-name")).to_have_text("Neat EMIM TFSI")
    expect(page.get_by_test_id("job-composition")).to_have_text("[EMIM][TFSI], no salt")
    spec = api.job(job_id)["spec"]
    assert spec["salts"] == []
    assert [s["name"] for s in spec["solvents"]] == ["[EMIM][TFSI]"]
    assert (spec["molecules"], spec["salt_pairs"], spec["box_length"]) == (12, None, None)

    # Run to the end (a few seconds of LAMMPS): the results of a salt-free box read sensibly.
    expect(page.locator('[data-state="COMPLETED"]')).to_be_visible(timeout=JOB_TIMEOUT_MS)
    table = page.get_by_test_id("composition-table")
    expect(table).to_contain_text("EMIM")
    expect(table).to_contain_text("TFSI")
    expect(page.locator("body")).not_to_contain_text("undefined")
    shot(page, "09-md-detail-neat-ionic-liquid")

    page.goto(server.url + "/jobs")
    row = page.get_by_test_id(f"job-row-{job_id}")
    expect(row).to_contain_text("Neat EMIM TFSI")
    expect(row.get_by_test_id(f"composition-{job_id}")).to_have_text("[EMIM][TFSI], no salt")
    shot(page, "10-job-list-neat-ionic-liquid")

    # Read back into the form: still salt-free, the same liquid and count.
    page.goto(f"{server.url}/jobs/new/md?from={job_id}")
    form = page.get_by_test_id("md-form")
    expect(form.get_by_test_id("salt-free-note")).to_be_visible(timeout=20_000)
    expect(form.locator('select[name="solvents.0.name"]')).to_have_value("[EMIM][TFSI]")
    expect(form.locator('input[name="molecules"]')).to_have_value("12")
    expect(form.locator('input[name="salt_pairs"]')).to_have_count(0)
