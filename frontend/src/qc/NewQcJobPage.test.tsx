import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setToken } from "../api/client";
import { App } from "../App";
import { installFakeServer } from "../testing/fakeServer";

const ME = { id: 1, username: "alice", role: "USER", active: true };
const GAUSSIAN_REFUSAL =
  "charges resp runs on engine pyscf (or auto), not gaussian: the RESP fit needs the potential at the grid points, which Molyte does not read from Gaussian";
// A RESP frequency job as the server stores its spec (every field, defaults included).
const RESP_JOB = {
  id: 42,
  type: "QC",
  name: "methanol resp",
  state: "COMPLETED",
  priority: 0,
  spec: {
    molecule: { smiles: "CO", xyz: null, charge: 0, multiplicity: 1 },
    task: "opt_freq",
    method: "HF",
    basis: "6-31G*",
    dispersion: "none",
    solvation: { model: "none", solvent: null, epsilon: null },
    engine: "pyscf",
    ion: null,
    redox: "oxidation",
    charges: "resp",
    temperature: 350,
    resources: { tasks: 1, cpus_per_task: 2, memory_mb: 4000, walltime_minutes: 120 },
  },
  owner: "alice",
  worker: null,
  scheduler_job_id: null,
  progress: null,
  failure_reason: null,
  attempts: 0,
  created_at: "2026-11-29T10:00:00Z",
  events: [],
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const option = (select: HTMLElement, value: string) =>
  select.querySelector<HTMLOptionElement>(`option[value="${value}"]`)!;

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  setToken("tok");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("QC form charges", () => {
  it("offers RESP only where the server can fit it, and says why not", async () => {
    installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
    });
    renderAt("/jobs/new/qc");
    const charges = (await screen.findByLabelText("Charges")) as HTMLSelectElement;
    expect(charges.value).toBe("esp");
    expect(option(charges, "esp").textContent).toBe("ESP (Merz-Kollman)");
    expect(option(charges, "resp").textContent).toBe("RESP (restrained, two-stage)");
    expect(option(charges, "resp").disabled).toBe(false);

    fireEvent.change(screen.getByLabelText("Method"), { target: { value: "GFN2-xTB" } });
    expect(option(charges, "resp").disabled).toBe(true);
    const hint = document.getElementById(charges.getAttribute("aria-describedby")!);
    expect(hint?.textContent).toBe(
      "RESP needs the electrostatic potential of an HF or DFT density; GFN2-xTB (engine xtb) has none.",
    );

    fireEvent.change(screen.getByLabelText("Method"), { target: { value: "wB97X-D" } });
    expect(option(charges, "resp").disabled).toBe(true);
    expect(screen.getByText("RESP is fitted on PySCF, which has no wB97X-D.")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Method"), { target: { value: "HF" } });
    expect(option(charges, "resp").disabled).toBe(false);
    fireEvent.change(screen.getByLabelText("Engine"), { target: { value: "gaussian" } });
    expect(option(charges, "resp").disabled).toBe(true);
    expect(
      screen.getByText("RESP is fitted on PySCF: choose engine pyscf or automatic, not gaussian."),
    ).toBeTruthy();
  });

  it("shows the server's refusal of RESP next to the Charges field", async () => {
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "POST /api/v1/jobs/validate": ({ body }) => {
        const spec = JSON.parse(body).spec;
        return spec.charges === "resp" && spec.engine === "gaussian"
          ? {
              status: 422,
              json: {
                detail: [
                  { loc: ["body", "spec"], msg: `Value error, ${GAUSSIAN_REFUSAL}`, type: "value_error" },
                ],
              },
            }
          : { json: { ok: true, preview: {} } };
      },
    });
    renderAt("/jobs/new/qc");
    const charges = (await screen.findByLabelText("Charges")) as HTMLSelectElement;
    fireEvent.change(charges, { target: { value: "resp" } });
    expect(charges.value).toBe("resp");
    expect(screen.getByText(/RESP is fitted on PySCF \(the automatic engine picks it\)/)).toBeTruthy();
    // the choice is kept when the engine changes, so the server says what is wrong with it
    fireEvent.change(screen.getByLabelText("Engine"), { target: { value: "gaussian" } });
    expect(charges.value).toBe("resp");
    const error = await screen.findByTestId("error-charges", {}, { timeout: 3000 });
    expect(error.textContent).toBe(GAUSSIAN_REFUSAL);
    expect(charges.getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("error-general")).toBeNull();
    const last = calls.filter((c) => c.path === "/api/v1/jobs/validate").at(-1)!;
    expect(JSON.parse(last.body).spec).toMatchObject({ charges: "resp", engine: "gaussian" });

    fireEvent.change(charges, { target: { value: "esp" } });
    await vi.waitFor(() => expect(screen.queryByTestId("error-charges")).toBeNull(), { timeout: 3000 });
  });

  it("reads a job's charges and temperature back (?from=ID) and sends them again", async () => {
    const calls = installFakeServer({
      "GET /api/v1/auth/me": () => ({ json: ME }),
      "GET /api/v1/jobs/42": () => ({ json: RESP_JOB }),
      "GET /api/v1/jobs/43": () => ({ json: { ...RESP_JOB, id: 43, state: "PENDING" } }),
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
      "POST /api/v1/jobs": () => ({ status: 201, json: { ...RESP_JOB, id: 43, state: "PENDING" } }),
    });
    renderAt("/jobs/new/qc?from=42");
    const charges = (await screen.findByLabelText("Charges")) as HTMLSelectElement;
    expect(charges.value).toBe("resp");
    const temperature = screen.getByLabelText("Temperature (K)") as HTMLInputElement;
    expect(temperature.value).toBe("350");
    expect((screen.getByLabelText("Task") as HTMLSelectElement).value).toBe("opt_freq");

    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    const submitted = JSON.parse(calls.find((c) => c.method === "POST" && c.path === "/api/v1/jobs")!.body);
    expect(submitted.name).toBe("methanol resp");
    expect(submitted.spec).toMatchObject({
      task: "opt_freq",
      method: "HF",
      engine: "pyscf",
      charges: "resp",
      temperature: 350,
    });

    // a task without a frequency step has no temperature to set
    cleanup();
    renderAt("/jobs/new/qc");
    await screen.findByLabelText("Charges");
    expect(screen.queryByLabelText("Temperature (K)")).toBeNull();
  });
});
