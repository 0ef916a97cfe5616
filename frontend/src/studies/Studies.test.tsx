import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setToken } from "../api/client";
import { App } from "../App";
import { installFakeServer } from "../testing/fakeServer";

// Canvas does not exist in the test DOM: the chart records the points it was given.
vi.mock("../results/Plot", () => ({
  default: (props: {
    testId: string;
    series: { label: string; x: number[]; y: number[]; errors?: unknown[] }[];
  }) => <div data-testid={props.testId} data-series={JSON.stringify(props.series)} />,
}));

const ME = { id: 1, username: "alice", role: "ADMIN", active: true };
const LIBRARY = {
  salts: [{ name: "LiPF6", full_name: "lithium hexafluorophosphate" }],
  solvents: [
    { name: "EC", full_name: "ethylene carbonate" },
    { name: "DMC", full_name: "dimethyl carbonate" },
  ],
};
const PROJECTS = [{ id: 3, name: "Electrolytes", role: "owner", members: null }];
const PROJECT_3 = { ...PROJECTS[0], members: [{ username: "alice", role: "owner" }] };
const STUDY = {
  id: 5,
  name: "LiPF6 sweep",
  type: "MD",
  variables: { "salts.0.concentration": [0.5, 1] },
  states: { COMPLETED: 2 },
  concentration_basis: "molal",
  rows: [
    {
      job_id: 21,
      name: "LiPF6 sweep 2/2",
      state: "COMPLETED",
      values: { "salts.0.concentration": 1 },
      results: { density_g_cm3: 1.3, density_g_cm3_std: 0.02, conductivity_S_m: null },
    },
    {
      job_id: 20,
      name: "LiPF6 sweep 1/2",
      state: "COMPLETED",
      values: { "salts.0.concentration": 0.5 },
      results: { density_g_cm3: 1.2, density_g_cm3_std: 0.01, conductivity_S_m: null },
    },
  ],
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  setToken("tok");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("new study form", () => {
  it("counts the jobs as values are typed and posts the grid into the chosen project", async () => {
    localStorage.setItem("molyte.project.alice", "3");
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: PROJECTS }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
      "POST /api/v1/studies": () => ({ status: 201, json: { id: 5, name: "LiPF6 sweep", jobs: [20, 21] } }),
      "GET /api/v1/studies/5": () => ({ json: STUDY }),
    });
    renderAt("/studies/new/md");
    const values = (await screen.findByLabelText("Values")) as HTMLInputElement;
    // The first field offered is the first salt's concentration, starting at the form's value.
    expect((screen.getByLabelText("Field") as HTMLSelectElement).value).toBe("salts.0.concentration");
    expect(values.value).toBe("1");
    expect(screen.getByTestId("study-count").textContent).toBe("Jobs to run: 1");

    fireEvent.change(values, { target: { value: "0.5, 1" } });
    expect(screen.getByTestId("study-count").textContent).toBe("Jobs to run: 2");
    fireEvent.click(screen.getByTestId("add-variable"));
    const second = screen.getAllByLabelText("Values")[1] as HTMLInputElement;
    fireEvent.change(screen.getAllByLabelText("Field")[1]!, { target: { value: "temperature" } });
    expect(second.value).toBe("298.15");
    fireEvent.change(second, { target: { value: "280:320:20" } });
    expect(screen.getByTestId("study-count").textContent).toBe("Jobs to run: 6");
    fireEvent.change(second, { target: { value: "280, abc" } });
    expect(screen.getByTestId("error-vary.1").textContent).toBe("“abc” is not a number.");
    expect((screen.getByTestId("submit-study") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText("Stop varying field 2"));

    fireEvent.change(screen.getByLabelText(/^Study name/), { target: { value: "LiPF6 sweep" } });
    await waitFor(() => expect(screen.getByTestId("project-switcher")).toHaveProperty("value", "3"));
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-study"));
    });
    expect(await screen.findByTestId("study-name")).toBeTruthy();
    const post = calls.find((c) => c.method === "POST" && c.path === "/api/v1/studies")!;
    const body = JSON.parse(post.body) as Record<string, unknown>;
    expect(body.name).toBe("LiPF6 sweep");
    expect(body.type).toBe("MD");
    expect(body.vary).toEqual({ "salts.0.concentration": [0.5, 1] });
    expect(body.project_id).toBe(3);
    const base = body.base as { type: string; spec: { salts: unknown[] }; name?: string };
    expect(base.type).toBe("MD");
    expect(base.name).toBeUndefined();
    expect(base.spec.salts).toEqual([{ name: "LiPF6", concentration: 1 }]);
  });

  it("shows the server's refusal of a varied field next to the grid", async () => {
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
      "POST /api/v1/studies": () => ({
        status: 422,
        json: {
          detail: [{ loc: ["body", "vary", "salts.0.concentration"], msg: "Value error, 12 is above 10" }],
        },
      }),
    });
    renderAt("/studies/new/md");
    fireEvent.change(await screen.findByLabelText("Values"), { target: { value: "1, 12" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-study"));
    });
    expect((await screen.findByTestId("error-vary")).textContent).toBe("12 is above 10");
  });
});

describe("study page", () => {
  it("shows progress, a sortable table, a plot, and exports the table as CSV", async () => {
    const saved: Blob[] = [];
    vi.stubGlobal(
      "URL",
      Object.assign(URL, { createObjectURL: (blob: Blob) => (saved.push(blob), "blob:x") }),
    );
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/studies/5": () => ({ json: STUDY }),
    });
    renderAt("/studies/5");
    expect((await screen.findByTestId("study-progress")).textContent).toBe("2 of 2 jobs finished");
    const table = screen.getByTestId("study-table");
    const order = () =>
      within(table)
        .getAllByRole("row")
        .slice(1)
        .map((row) => row.getAttribute("data-testid"));
    expect(order()).toEqual(["study-row-20", "study-row-21"]);
    // the varied concentration is headed in the unit of the jobs' basis (molal here)
    expect(screen.getByTestId("sort-v-salts.0.concentration").textContent).toBe(
      "Salt 1 concentration (mol/kg of solvent)",
    );
    fireEvent.click(screen.getByTestId("sort-r-density_g_cm3"));
    fireEvent.click(screen.getByTestId("sort-r-density_g_cm3"));
    expect(order()).toEqual(["study-row-21", "study-row-20"]);
    expect(screen.getByTestId("sort-r-density_g_cm3").textContent).toContain("Density (g/cm³)");
    expect(screen.getByTestId("result-21-density_g_cm3").textContent).toBe("1.3 ± 0.02");
    expect(screen.getByTestId("plot-y")).toHaveProperty("value", "density_g_cm3");
    expect(screen.getByTestId("plot-x")).toHaveProperty("value", "salts.0.concentration");
    const plot = await screen.findByTestId("plot-study");
    expect(JSON.parse(plot.getAttribute("data-series")!)).toEqual([
      { label: "Density", x: [0.5, 1], y: [1.2, 1.3], errors: [0.01, 0.02] },
    ]);

    fireEvent.click(screen.getByTestId("download-csv"));
    expect(saved).toHaveLength(1);
    expect((await saved[0]!.text()).split("\r\n").slice(0, 3)).toEqual([
      "job_id,state,salts.0.concentration,density_g_cm3,density_g_cm3_err",
      "21,COMPLETED,1,1.3,0.02",
      "20,COMPLETED,0.5,1.2,0.01",
    ]);
  });

  it("heads the concentration column in the basis the server names, and without a unit when none", async () => {
    for (const [basis, heading] of [
      ["solvent", "Salt 1 concentration (mol/L of solvent)"],
      ["solution", "Salt 1 concentration (mol/L of solution)"],
      [null, "Salt 1 concentration"],
    ] as const) {
      installFakeServer({
        "GET /api/v1/auth/me": () => ({ json: ME }),
        "GET /api/v1/projects": () => ({ json: [] }),
        "GET /api/v1/studies/5": () => ({ json: { ...STUDY, concentration_basis: basis } }),
      });
      renderAt("/studies/5");
      expect((await screen.findByTestId("sort-v-salts.0.concentration")).textContent).toBe(heading);
      expect(screen.getByTestId("plot-x").textContent).toBe(heading);
      cleanup();
    }
  });

  it("says a missing study is not found", async () => {
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/studies/9": () => ({ status: 404, json: { detail: "Study not found" } }),
    });
    renderAt("/studies/9");
    expect(await screen.findByText("There is no such study, or it is not yours.")).toBeTruthy();
  });
});

describe("job page additions", () => {
  const job = {
    id: 42,
    type: "MD",
    name: "one run",
    state: "COMPLETED",
    priority: 0,
    spec: { salts: [{ name: "LiPF6", concentration: 1.5 }], temperature: 310 },
    created_at: "2026-11-29T10:00:00Z",
    events: [],
  };

  it("shows the provenance and runs the job again", async () => {
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/jobs/42": () => ({ json: job }),
      "GET /api/v1/jobs/43": () => ({ json: { ...job, id: 43, state: "PENDING" } }),
      "GET /api/v1/jobs/42/results": () => ({
        json: {
          files: [],
          summary: {
            provenance: {
              molyte_version: "0.4.0",
              engine: "lammps",
              engine_version: "2Aug2023",
              forcefield: {
                sources: ["GAFF2", "OPLS-AA"],
                parameter_files: ["in.lammps"],
                sha256: "0123456789abcdef",
              },
              cpus: 2,
              worker: "e2e-worker",
              host: "node-1",
              scheduler_job_id: "1234",
              started_at: "2026-11-29T10:01:00Z",
              finished_at: "2026-11-29T10:03:00Z",
              core_hours: 0.0667,
            },
          },
        },
      }),
      "POST /api/v1/jobs/42/clone": () => ({ status: 201, json: { ...job, id: 43, state: "PENDING" } }),
    });
    renderAt("/jobs/42");
    const provenance = await screen.findByTestId("provenance");
    expect(within(provenance).getByTestId("provenance-engine_version").textContent).toBe(
      "Engine version2Aug2023",
    );
    expect(within(provenance).getByTestId("provenance-core_hours").textContent).toBe("Core-hours0.0667");
    expect(within(provenance).getByTestId("provenance-scheduler_job_id").textContent).toContain("1234");
    expect(within(provenance).getByTestId("provenance-forcefield").textContent).toBe(
      "Force fieldGAFF2, OPLS-AA · sha256 0123456789ab…",
    );
    expect(within(provenance).getByTestId("provenance-cpus").textContent).toBe("CPUs2");
    expect(screen.getByTestId("make-study").getAttribute("href")).toBe("/studies/new/md?from=42");
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-again"));
    });
    expect(await screen.findByText(/Job 43/)).toBeTruthy();
    expect(calls.find((c) => c.path === "/api/v1/jobs/42/clone")!.body).toBe("{}");
  });

  it("starts a study from a job's spec", async () => {
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/jobs/42": () => ({ json: job }),
      "GET /api/v1/library": () => ({ json: LIBRARY }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
    });
    renderAt("/studies/new/md?from=42");
    expect(((await screen.findByLabelText("Values")) as HTMLInputElement).value).toBe("1.5");
    expect((screen.getByLabelText("Temperature (K)") as HTMLInputElement).value).toBe("310");
    expect((screen.getByLabelText(/^Study name/) as HTMLInputElement).value).toBe("one run");
  });
});

describe("projects and usage", () => {
  it("switches project and adds a member", async () => {
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: PROJECTS }),
      "GET /api/v1/projects/3": () => ({ json: PROJECT_3 }),
      "GET /api/v1/jobs": () => ({ json: { items: [], total: 0 } }),
      "POST /api/v1/projects/3/members": () => ({ status: 201, json: { username: "bob", role: "viewer" } }),
    });
    renderAt("/projects");
    const card = await screen.findByTestId("project-3");
    expect((await within(card).findByTestId("member-3-alice")).textContent).toContain("owner");
    fireEvent.click(within(card).getByText("Work in this project"));
    expect(localStorage.getItem("molyte.project.alice")).toBe("3");
    expect(screen.getByTestId("project-switcher")).toHaveProperty("value", "3");
    fireEvent.change(within(card).getByLabelText("Username"), { target: { value: "bob" } });
    fireEvent.change(within(card).getByLabelText("Role"), { target: { value: "viewer" } });
    await act(async () => {
      fireEvent.submit(screen.getByTestId("member-form-3"));
    });
    expect(await within(card).findByText("bob is now a viewer.")).toBeTruthy();
    expect(JSON.parse(calls.find((c) => c.path === "/api/v1/projects/3/members")!.body)).toEqual({
      username: "bob",
      role: "viewer",
    });
  });

  it("lists core-hours per project over the chosen period", async () => {
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/projects": () => ({ json: [] }),
      "GET /api/v1/admin/usage": ({ url }) => ({
        json: {
          rows:
            url.searchParams.get("group_by") === "project"
              ? [
                  { key: "Electrolytes", jobs: 3, core_hours: 1.5 },
                  { key: null, jobs: 1, core_hours: 0.25 },
                ]
              : [{ key: "alice", jobs: 4, core_hours: 1.75 }],
        },
      }),
    });
    renderAt("/admin/usage");
    expect((await screen.findByTestId("usage-row-alice")).textContent).toContain("1.75");
    fireEvent.change(screen.getByLabelText("Per"), { target: { value: "project" } });
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-01" } });
    expect((await screen.findByTestId("usage-row-Electrolytes")).textContent).toContain("1.5");
    expect(screen.getByText("(no project)")).toBeTruthy();
    expect(screen.getByTestId("usage-total-hours").textContent).toBe("1.75");
    const last = calls.filter((c) => c.path.startsWith("/api/v1/admin/usage")).at(-1)!;
    expect(last.path).toContain("group_by=project");
    expect(last.path).toContain("since=2026-11-01T00%3A00%3A00Z");
  });
});
