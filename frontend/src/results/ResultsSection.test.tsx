import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job, Results } from "../api/types";
import { I18nProvider } from "../i18n/I18nContext";
import { installFakeServer } from "../testing/fakeServer";
import { ResultsSection } from "./ResultsSection";

// Canvas and WebGL do not exist in the test DOM: stand-ins record what they were given.
vi.mock("./Plot", () => ({
  default: (props: { testId: string; series: { label: string }[] }) => (
    <div data-testid={props.testId} data-series={props.series.map((s) => s.label).join("|")} />
  ),
}));
vi.mock("./Viewer3D", () => ({
  default: (props: { format: string; data: string }) => (
    <div data-testid="viewer-3d" data-format={props.format} data-first-line={props.data.split("\n")[0]} />
  ),
}));

const JOB = { id: 9, type: "MD", state: "COMPLETED" } as Job;

const MD_RESULTS = (stamp: string): Results => ({
  files: [
    { name: "thermo.csv", size: 120, sha256: "ab".repeat(32), url: `/files/thermo.csv?s=${stamp}` },
    { name: "rdf_Li_O_EC.csv", size: 40, sha256: "cd".repeat(32), url: `/files/rdf_Li_O_EC.csv?s=${stamp}` },
    { name: "msd_Li.csv", size: 30, sha256: "ef".repeat(32), url: `/files/msd_Li.csv?s=${stamp}` },
    { name: "final.pdb", size: 80, sha256: "01".repeat(32), url: `/files/final.pdb?s=${stamp}` },
  ],
  summary: {
    engine: "lammps",
    density: { mean: 1.2412, std: 0.0051, unit: "g/cm^3", window: "second half of the npt rows" },
    rdf: [{ pair: "Li-O(EC)", file: "rdf_Li_O_EC.csv", first_peak_r: 2.05, cutoff: 2.8, coordination: 3.9 }],
    diffusion: [{ species: "Li", D: 1.2e-6, unit: "cm^2/s", fit_window_ps: [10, 90], file: "msd_Li.csv" }],
    conductivity: null,
    transference_number: null,
    warnings: ["the MSD of PF6 is not diffusive yet"],
  },
  zip_url: `/files/all.zip?s=${stamp}`,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("MD results", () => {
  it("shows the numbers, plots from the CSV files, the final frame and fresh download links", async () => {
    let stamp = 0;
    installFakeServer({
      "GET /files/thermo.csv": () => ({
        text: "stage,step,time_ps,temp,density\nnpt,0,0,300,1.1\nnpt,1000,1,301,1.2\n",
      }),
      "GET /files/rdf_Li_O_EC.csv": () => ({ text: "r,g,cn\n1.9,0,0\n2.05,9.1,1.5\n" }),
      "GET /files/msd_Li.csv": () => ({ text: "t_ps,msd_A2\n0,0\n10,3\n" }),
      "GET /files/final.pdb": () => ({
        text: "CRYST1   30.000   30.000   30.000  90.00  90.00  90.00 P 1\nEND\n",
      }),
    });
    const load = vi.fn(async () => MD_RESULTS(String(++stamp)));
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.getAttribute("href") ?? "");
    });

    render(
      <I18nProvider>
        <ResultsSection job={JOB} load={load} quietErrors={false} />
      </I18nProvider>,
    );

    expect((await screen.findByTestId("value-density")).textContent).toContain("1.241 ± 0.0051 g/cm³");
    expect(screen.getByTestId("summary-warnings").textContent).toContain(
      "the MSD of PF6 is not diffusive yet",
    );
    expect(screen.getByTestId("diffusion-table").textContent).toContain("1.200e-6");
    expect(screen.getByTestId("diffusion-table").textContent).toContain("cm²/s");

    expect((await screen.findByTestId("plot-thermo")).getAttribute("data-series")).toBe("temp");
    expect((await screen.findByTestId("plot-density")).getAttribute("data-series")).toBe("density|mean");
    expect((await screen.findByTestId("plot-rdf")).getAttribute("data-series")).toBe(
      "g(r) Li-O(EC)|CN Li-O(EC)",
    );
    expect((await screen.findByTestId("plot-msd")).getAttribute("data-series")).toBe("Li");
    const viewer = await screen.findByTestId("viewer-3d");
    expect(viewer.getAttribute("data-format")).toBe("pdb");
    expect(viewer.getAttribute("data-first-line")).toContain("CRYST1");

    // Each download first asks for fresh URLs (they are short-lived).
    fireEvent.click(screen.getByTestId("download-thermo.csv"));
    await waitFor(() => expect(clicked).toEqual(["/files/thermo.csv?s=2"]));
    fireEvent.click(screen.getByTestId("download-zip"));
    await waitFor(() => expect(clicked).toEqual(["/files/thermo.csv?s=2", "/files/all.zip?s=3"]));
    expect(load).toHaveBeenCalledTimes(3);
  });
});

describe("QC results", () => {
  it("shows energies, orbitals, imaginary modes, frequencies and the molecule", async () => {
    installFakeServer({
      "GET /files/final.xyz": () => ({ text: "3\nwater\nO 0 0 0.12\nH 0 0.76 -0.47\nH 0 -0.76 -0.47\n" }),
    });
    const results: Results = {
      files: [{ name: "final.xyz", size: 60, sha256: "aa".repeat(32), url: "/files/final.xyz" }],
      summary: {
        engine: "pyscf",
        task: "opt_freq",
        method: "B3LYP",
        basis: "6-31G*",
        scf_energy_hartree: -76.408953,
        homo_ev: -7.21,
        lumo_ev: 1.05,
        gap_ev: 8.26,
        frequencies_cm1: [-35.2, 1650.1, 3700.4, 3810.9],
        imaginary_frequencies: [-35.2],
        solvation: { model: "pcm", solvent: "water", epsilon: null, engine_model: "IEF-PCM" },
      },
    };
    render(
      <I18nProvider>
        <ResultsSection job={{ ...JOB, type: "QC" }} load={async () => results} quietErrors={false} />
      </I18nProvider>,
    );
    expect((await screen.findByTestId("value-scf_energy_hartree")).textContent).toContain("-76.408953 Eh");
    expect(screen.getByTestId("value-gap_ev").textContent).toBe("8.260 eV");
    expect(screen.getByTestId("value-imaginary").textContent).toBe("1 (35.2i cm⁻¹)");
    expect(screen.getByTestId("qc-numbers").textContent).toContain("IEF-PCM, water");
    expect((await screen.findByTestId("plot-frequencies")).getAttribute("data-series")).toBe("Intensity");
    const viewer = await screen.findByTestId("viewer-3d");
    expect(viewer.getAttribute("data-format")).toBe("xyz");
    expect(viewer.getAttribute("data-first-line")).toBe("3");
  });

  it("names post-HF energies, shows thermochemistry at its temperature and ESP beside Mulliken charges", async () => {
    const results: Results = {
      files: [],
      summary: {
        engine: "gaussian",
        task: "sp",
        method: "CCSD-T",
        basis: "STO-3G",
        scf_energy_hartree: -74.9643287914,
        post_hf_energies_hartree: { MP2: -75.002282127453, "CCSD(T)": -75.017760422 },
        energy_method: "CCSD(T)",
        energy_hartree: -75.017760422,
        thermo_temperature_k: 350,
        thermo_pressure_atm: 1,
        zero_point_energy_hartree: 0.021,
        enthalpy_hartree: -76.38,
        free_energy_hartree: -76.41,
        geometry: [
          ["O", 0, 0, 0.12],
          ["H", 0, 0.76, -0.47],
          ["H", 0, -0.76, -0.47],
        ],
        mulliken_charges: [-0.33, 0.165, 0.165],
        esp_charges: [-0.81, 0.405, 0.405],
        esp_charges_method: "Merz-Kollman ESP fit",
      },
    };
    render(
      <I18nProvider>
        <ResultsSection job={{ ...JOB, type: "QC" }} load={async () => results} quietErrors={false} />
      </I18nProvider>,
    );
    const mp2 = await screen.findByTestId("value-post-hf-MP2");
    expect(mp2.textContent).toContain("-75.002282 Eh");
    expect(mp2.closest("tr")?.textContent).toContain("MP2 energy");
    const ccsdt = screen.getByTestId("value-post-hf-CCSD(T)");
    expect(ccsdt.closest("tr")?.textContent).toContain("CCSD(T) energy");
    expect(ccsdt.textContent).toContain("-75.017760 Eh");
    expect(screen.getByTestId("value-scf_energy_hartree").textContent).toContain("-74.964329 Eh");
    expect(screen.getByTestId("value-thermo-conditions").textContent).toBe("350 K, 1 atm");
    expect(screen.getByTestId("value-enthalpy_hartree").closest("tr")?.textContent).toContain("Enthalpy");
    expect(screen.getByTestId("value-free_energy_hartree").textContent).toContain("-76.410000 Eh");
    const table = screen.getByTestId("charges-table");
    const rows = Array.from(table.querySelectorAll("tbody tr")).map((row) =>
      Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent),
    );
    expect(rows).toEqual([
      ["1", "O", "-0.3300", "-0.8100"],
      ["2", "H", "0.1650", "0.4050"],
      ["3", "H", "0.1650", "0.4050"],
    ]);
    expect(table.querySelector("thead")?.textContent).toContain("ESP (e)");
    // shown in their own rows, not again among the other values
    expect(screen.getByTestId("qc-numbers").textContent).not.toContain("energy_method");
    expect(screen.queryByTestId("charges-method-resp")).toBeNull();
  });

  it("shows RESP charges beside the ESP charges, named by their fit", async () => {
    const respMethod = "two-stage RESP (Bayly et al. 1993) on the Merz-Kollman grid";
    const results: Results = {
      files: [],
      summary: {
        engine: "pyscf",
        task: "sp",
        method: "HF",
        basis: "6-31G*",
        geometry: [
          ["C", 0, 0, 0],
          ["O", 1.4, 0, 0],
          ["H", 1.7, 0.9, 0],
        ],
        mulliken_charges: [-0.1, -0.5, 0.6],
        esp_charges: [0.21, -0.65, 0.44],
        esp_charges_method: "Merz-Kollman ESP fit",
        resp_charges: [0.1234, -0.6, 0.4766],
        resp_charges_method: respMethod,
      },
    };
    render(
      <I18nProvider>
        <ResultsSection job={{ ...JOB, type: "QC" }} load={async () => results} quietErrors={false} />
      </I18nProvider>,
    );
    const table = await screen.findByTestId("charges-table");
    const header = Array.from(table.querySelectorAll("thead th")).map((cell) => cell.textContent);
    expect(header).toEqual(["#", "Element", "Mulliken charges (e)", "ESP (e)", "RESP (e)"]);
    expect(table.querySelector("thead th:last-child")?.getAttribute("title")).toBe(respMethod);
    const rows = Array.from(table.querySelectorAll("tbody tr")).map((row) =>
      Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent),
    );
    expect(rows).toEqual([
      ["1", "C", "-0.1000", "0.2100", "0.1234"],
      ["2", "O", "-0.5000", "-0.6500", "-0.6000"],
      ["3", "H", "0.6000", "0.4400", "0.4766"],
    ]);
    expect(screen.getByTestId("charges-method-resp").textContent).toBe(`RESP: ${respMethod}`);
    expect(screen.getByTestId("charges-method-esp").textContent).toBe("ESP: Merz-Kollman ESP fit");
    // the method is a label, not one more row among the other values
    expect(screen.getByTestId("qc-numbers").textContent).not.toContain("resp_charges_method");
  });
});
