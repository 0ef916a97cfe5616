import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setToken } from "../api/client";
import { App } from "../App";
import { installFakeServer, type Handler } from "../testing/fakeServer";

// The count field, not the size-mode radio of the same label.
const NUMBER = { selector: "input[type=number]" };
const ME = { id: 1, username: "alice", role: "USER", active: true };
// The shape of `GET /library`: what the pickers must list, grouped.
const LIBRARY = {
  salts: [
    { name: "LiPF6", full_name: "lithium hexafluorophosphate", cation: "Li", anion: "PF6" },
    { name: "Zn(OTf)2", full_name: "zinc trifluoromethanesulfonate", cation: "Zn", anion: "OTf" },
  ],
  solvents: [
    { name: "EC", full_name: "ethylene carbonate", smiles: "O=C1OCCO1", density: 1.321, molar_mass: 88.062 },
    { name: "DMC", full_name: "dimethyl carbonate", smiles: "COC(=O)OC", density: 1.063, molar_mass: 90.078 },
    {
      name: "[EMIM][TFSI]",
      full_name: "1-ethyl-3-methylimidazolium bis(trifluoromethanesulfonyl)imide",
      density: 1.519,
      density_estimated: false,
      molar_mass: 391.306,
      ionic_liquid: true,
    },
  ],
};
// A salt-free job as the server stores it (every field of the spec, defaults filled in).
const NEAT_SPEC = {
  salts: [],
  solvents: [
    {
      name: "[EMIM][TFSI]",
      smiles: null,
      ratio: 1.0,
      density: null,
      charges: null,
      charges_from_job: null,
    },
  ],
  ratio_type: "mole",
  salt_pairs: null,
  molecules: 12,
  box_length: null,
  temperature: 350.0,
  pressure: 1.0,
  timestep: 1.0,
  preset: "fast",
  stages: null,
  ion_charge_scale: 0.8,
  thermo_interval: 1000,
  dump_interval: 5000,
  restart_interval: 10000,
  cutoff: 12.0,
  seed: 20240,
  resources: { tasks: 2, cpus_per_task: 1, memory_mb: 2000, walltime_minutes: 60 },
};
const job = (id: number, spec: Record<string, unknown>, name = `run ${id}`) => ({
  id,
  type: "MD",
  name,
  state: "PENDING",
  priority: 0,
  spec,
  owner: "alice",
  worker: null,
  scheduler_job_id: null,
  progress: null,
  failure_reason: null,
  attempts: 0,
  created_at: "2026-11-29T10:00:00Z",
  events: [],
});

function serve(extra: Record<string, Handler> = {}) {
  return installFakeServer({
    "GET /api/v1/auth/me": () => ({ json: ME }),
    "GET /api/v1/library": () => ({ json: LIBRARY }),
    "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview: {} } }),
    ...extra,
  });
}

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const posted = (calls: ReturnType<typeof serve>) =>
  JSON.parse(calls.find((c) => c.method === "POST" && c.path === "/api/v1/jobs")!.body) as {
    name: string;
    spec: Record<string, unknown>;
  };

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  setToken("tok");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("composition of the MD form", () => {
  it("lists the server's species in their groups", async () => {
    serve();
    renderAt("/jobs/new/md");
    await waitFor(() => expect(screen.getByLabelText("Salt").tagName).toBe("SELECT"));
    const salt = screen.getByLabelText("Salt");
    const saltGroups = [...salt.querySelectorAll("optgroup")].map((g) => [
      g.label,
      [...g.querySelectorAll("option")].map((o) => o.value),
    ]);
    expect(saltGroups).toEqual([
      ["Li salts", ["LiPF6"]],
      ["Zn salts", ["Zn(OTf)2"]],
    ]);
    const solvent = within(screen.getByTestId("solvent-row-0")).getByLabelText("Solvent or ionic liquid");
    expect([...solvent.querySelectorAll("optgroup")].map((g) => g.label)).toEqual([
      "Molecular solvents",
      "Ionic liquids",
    ]);
    expect(solvent.querySelector('optgroup[label="Ionic liquids"] option')!.textContent).toBe(
      "[EMIM][TFSI] — 1-ethyl-3-methylimidazolium bis(trifluoromethanesulfonyl)imide",
    );
  });

  it("submits a neat ionic liquid: no salt, one liquid, sized by molecules", async () => {
    const calls = serve({
      "POST /api/v1/jobs": () => ({ status: 201, json: job(42, NEAT_SPEC) }),
      "GET /api/v1/jobs/42": () => ({ json: job(42, NEAT_SPEC) }),
    });
    renderAt("/jobs/new/md");
    await waitFor(() => expect(screen.getByLabelText("Salt").tagName).toBe("SELECT"));
    expect(screen.queryByTestId("salt-free-note")).toBeNull();
    expect(screen.getByLabelText("Salt pairs", NUMBER)).toHaveProperty("name", "salt_pairs");

    fireEvent.click(screen.getByLabelText("Remove salt 1"));
    expect(screen.queryByTestId("salt-row-0")).toBeNull();
    expect(screen.getByTestId("salt-free-note").textContent).toContain("salt-free");
    const count = screen.getByLabelText("Molecules (ion pairs)", NUMBER);
    expect(count.getAttribute("name")).toBe("molecules");

    fireEvent.click(screen.getByLabelText("Remove solvent 2"));
    const solvent = within(screen.getByTestId("solvent-row-0")).getByLabelText("Solvent or ionic liquid");
    fireEvent.change(solvent, { target: { value: "[EMIM][TFSI]" } });
    expect(screen.getByText(/ionic liquid, counted in ion pairs/)).toBeTruthy();
    fireEvent.change(count, { target: { value: "12" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    await screen.findByTestId("job-name");

    const body = posted(calls);
    expect(body.name).toBe("Neat EMIM TFSI");
    expect(body.spec.salts).toEqual([]);
    expect(body.spec.solvents).toEqual([{ name: "[EMIM][TFSI]", ratio: 1 }]);
    expect(body.spec.molecules).toBe(12);
    expect(body.spec).not.toHaveProperty("salt_pairs");
    expect(body.spec).not.toHaveProperty("box_length");
    // The job page says what is in the box.
    expect(screen.getByTestId("job-composition").textContent).toBe("[EMIM][TFSI], no salt");
  });

  it("reads a salt-free job back from ?from=ID and sends the same composition", async () => {
    const calls = serve({
      "GET /api/v1/jobs/7": () => ({ json: job(7, NEAT_SPEC, "Neat EMIM TFSI at 350 K") }),
      "POST /api/v1/jobs": () => ({ status: 201, json: job(43, NEAT_SPEC) }),
      "GET /api/v1/jobs/43": () => ({ json: job(43, NEAT_SPEC) }),
    });
    renderAt("/jobs/new/md?from=7");
    expect(await screen.findByTestId("salt-free-note")).toBeTruthy();
    expect(screen.queryByTestId("salt-row-0")).toBeNull();
    expect(screen.getByLabelText("Molecules (ion pairs)", NUMBER)).toHaveProperty("value", "12");
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    await screen.findByTestId("job-name");

    const { name, spec } = posted(calls);
    expect(name).toBe("Neat EMIM TFSI at 350 K");
    // Every field the stored spec sets comes back with its value (nulls are left out).
    const stored = Object.fromEntries(Object.entries(NEAT_SPEC).filter(([, value]) => value !== null));
    expect({ ...spec, solvents: undefined }).toEqual({ ...stored, solvents: undefined });
    expect(spec.solvents).toEqual([{ name: "[EMIM][TFSI]", ratio: 1 }]);
  });

  it("checks counts at once and sends nothing the server would refuse", async () => {
    const calls = serve();
    renderAt("/jobs/new/md");
    fireEvent.click(await screen.findByLabelText("Remove salt 1"));
    fireEvent.change(screen.getByLabelText("Molecules (ion pairs)", NUMBER), {
      target: { value: "1" },
    });
    expect(screen.getByTestId("error-molecules").textContent).toBe(
      "Input should be greater than or equal to 2",
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/jobs")).toBe(false);
  });

  it("shows the server's refusal next to the field or list it is about", async () => {
    serve({
      "POST /api/v1/jobs": () => ({
        status: 422,
        json: {
          detail: [
            {
              loc: ["body", "spec", "solvents", 0, "name"],
              msg: "Value error, unknown solvent 'EC'",
              type: "value_error",
            },
            { loc: ["body", "spec"], msg: "Value error, each solvent may appear once", type: "value_error" },
          ],
        },
      }),
    });
    renderAt("/jobs/new/md");
    await waitFor(() => expect(screen.getByLabelText("Salt").tagName).toBe("SELECT"));
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    expect((await screen.findByTestId("error-solvents.0.name")).textContent).toBe("unknown solvent 'EC'");
    expect(screen.getByTestId("error-solvents").textContent).toBe("each solvent may appear once");
    expect(screen.queryByTestId("error-general")).toBeNull();
  });

  it("sends a chosen concentration basis, previews the three bases and reads it back", async () => {
    const stored = {
      ...NEAT_SPEC,
      salts: [{ name: "LiPF6", concentration: 1.0 }],
      solvents: [
        { ...NEAT_SPEC.solvents[0], name: "EC" },
        { ...NEAT_SPEC.solvents[0], name: "DMC" },
      ],
      concentration_basis: "molal",
      molecules: null,
      salt_pairs: 20,
    };
    const preview = {
      counts: { Li: 20, PF6: 20, EC: 112, DMC: 112 },
      concentrations: {
        basis: "molal",
        mol_per_l_solvent: 1.19,
        mol_per_l_solution_estimated: 1.0512,
        mol_per_kg_solvent: 0.99953,
      },
    };
    const calls = serve({
      "POST /api/v1/jobs/validate": () => ({ json: { ok: true, preview } }),
      "POST /api/v1/jobs": () => ({ status: 201, json: job(44, stored) }),
      "GET /api/v1/jobs/44": () => ({ json: job(44, stored) }),
    });
    renderAt("/jobs/new/md");
    const basis = await screen.findByLabelText("Concentrations are in");
    expect(basis).toHaveProperty("value", "solvent");
    expect(screen.getByLabelText("Concentration (mol/L)")).toBeTruthy();
    fireEvent.change(basis, { target: { value: "molal" } });
    expect(screen.getByLabelText("Concentration (mol/kg)")).toBeTruthy();
    expect(screen.getByText(/molality/)).toBeTruthy();
    expect((await screen.findByTestId("preview-per-kg")).textContent).toBe("1 mol/kg");
    expect(screen.getByTestId("preview-basis").textContent).toBe("mol/kg of solvent");
    expect(screen.getByTestId("preview-per-solution").textContent).toBe("1.05 mol/L");
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    await screen.findByTestId("job-name");
    const body = posted(calls);
    expect(body.name).toBe("1 molal LiPF6 in EC + DMC");
    expect(body.spec.concentration_basis).toBe("molal");
    expect(screen.getByTestId("job-composition").textContent).toBe(
      "1 mol/kg LiPF6 in EC + DMC (1:1 by mole)",
    );

    // "Run again" keeps the basis; the default is not sent at all.
    cleanup();
    const again = serve({
      "GET /api/v1/jobs/44": () => ({ json: job(44, stored) }),
      "POST /api/v1/jobs": () => ({ status: 201, json: job(45, stored) }),
      "GET /api/v1/jobs/45": () => ({ json: job(45, stored) }),
    });
    renderAt("/jobs/new/md?from=44");
    await waitFor(() =>
      expect(screen.getByLabelText("Concentrations are in")).toHaveProperty("value", "molal"),
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId("submit-job"));
    });
    await screen.findByTestId("job-name");
    expect(posted(again).spec.concentration_basis).toBe("molal");
  });

  it("offers no basis for a salt-free box", async () => {
    serve();
    renderAt("/jobs/new/md");
    await screen.findByLabelText("Concentrations are in");
    fireEvent.click(screen.getByLabelText("Remove salt 1"));
    expect(screen.queryByLabelText("Concentrations are in")).toBeNull();
  });
});
