import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { I18nProvider } from "../i18n/I18nContext";
import { MdResults } from "./MdResults";
import type { Summary } from "./summary";
// A real summary: 1 M LiPF6 in PC, 4 ps NVT, too short for any block estimate.
import tooShortText from "./testdata/md_summary_too_short_pc.json?raw";

const E = (value: number, error: number, unit: string, method = `method of ${unit}`) => ({
  value,
  error,
  unit,
  method,
  blocks: 5,
  too_short: null,
});
const SHORT = (reason: string, unit: string) => ({
  value: null,
  error: null,
  unit,
  method: "bound time / exits",
  blocks: 5,
  too_short: reason,
});
const EXITS = "4 ligand exits observed (at least 10, and one in each of 5 blocks, are needed for a lifetime)";

// By hand from the schema in engines/md/analyze.py: LiPF6 in EC, long enough for every estimate
// but the Li-PF6 residence time.
const WITH_VALUES: Summary = {
  engine: "lammps",
  diffusion: [{ species: "Li", D: 1.3e-6, unit: "cm^2/s", fit_window_ps: [10, 90], diffusive: true }],
  conductivity: { value: 0.58, unit: "S/m", method: "Nernst-Einstein" },
  transference_number: 0.31,
  transport: {
    blocks: 5,
    diffusion: [
      {
        species: "Li",
        D: E(1.234e-6, 0.187e-6, "cm^2/s", "slope / 6 of the centre-of-mass MSD"),
        D_yeh_hummer: E(1.52e-6, 0.21e-6, "cm^2/s", "D + 2.837297 kB T / (6 pi eta L)"),
        window_ps: [10, 90],
      },
      {
        species: "PF6",
        D: E(2.87e-6, 0.43e-6, "cm^2/s"),
        D_yeh_hummer: E(3.16e-6, 0.47e-6, "cm^2/s"),
        window_ps: [8, 90],
      },
      {
        species: "EC",
        D: E(1.05e-5, 0.093e-5, "cm^2/s"),
        D_yeh_hummer: E(1.12e-5, 0.14e-5, "cm^2/s"),
        window_ps: [5, 90],
      },
    ],
    conductivity_einstein_helfand: E(0.45, 0.12, "S/m", "Einstein-Helfand: slope of the MSD of sum q_i r_i"),
    conductivity_nernst_einstein: E(0.62, 0.07, "S/m"),
    haven_ratio: E(1.38, 0.39, "1"),
    viscosity: { ...E(2.43, 0.31, "mPa s"), integration_cutoff_ps: 3.2, samples: 40001 },
    residence_time: [
      { cation: "Li", partner: "EC", ...E(48.6, 7.3, "ps", "bound time / exits") },
      { cation: "Li", partner: "PF6", ...SHORT(EXITS, "ps") },
    ],
  },
};

const renderMd = (summary: Summary) =>
  render(
    <I18nProvider>
      <MdResults summary={summary} files={[]} />
    </I18nProvider>,
  );

const cells = (table: HTMLElement) =>
  Array.from(table.querySelectorAll("tbody tr")).map((row) =>
    Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent),
  );

afterEach(cleanup);

describe("MD transport section", () => {
  it("shows every estimate as value ± error in the reader's units", () => {
    renderMd(WITH_VALUES);
    expect(screen.getByTestId("transport-blocks").textContent).toBe(
      "± is the standard error of the mean over 5 blocks of the production run.",
    );
    expect(screen.getByTestId("transport-eh").textContent).toBe("4.5 ± 1.2 mS/cm");
    expect(screen.getByTestId("transport-ne").textContent).toBe("6.2 ± 0.7 mS/cm");
    expect(screen.getByTestId("transport-haven").textContent).toBe("1.4 ± 0.4");
    expect(screen.getByTestId("transport-viscosity").textContent).toBe(
      "2.43 ± 0.31 mPa·s" + "integrated to 3.2 ps",
    );
    const residence = screen.getByTestId("transport-residence-Li-EC");
    expect(residence.textContent).toBe("49 ± 7 ps");
    expect(residence.closest("tr")?.textContent).toContain("Residence time of EC at Li");
    expect(screen.getByTestId("transport-residence-Li-PF6").textContent).toBe(`too short${EXITS}`);

    const diffusion = screen.getByTestId("transport-diffusion");
    expect(diffusion.querySelector("thead")?.textContent).toBe(
      "SpeciesD (10⁻⁶ cm²/s)D, Yeh-Hummer (10⁻⁶ cm²/s)Fit window",
    );
    expect(cells(diffusion)).toEqual([
      ["Li", "1.23 ± 0.19", "1.52 ± 0.21", "10–90 ps"],
      ["PF6", "2.9 ± 0.4", "3.2 ± 0.5", "8–90 ps"],
      ["EC", "10.5 ± 0.9", "11.2 ± 1.4", "5–90 ps"],
    ]);
  });

  it("gives each method on demand", () => {
    renderMd(WITH_VALUES);
    expect(
      within(screen.getByTestId("transport-eh")).getByText("4.5 ± 1.2 mS/cm").getAttribute("title"),
    ).toBe("Einstein-Helfand: slope of the MSD of sum q_i r_i");
    const methods = screen.getByTestId("transport-methods");
    const terms = Array.from(methods.querySelectorAll("dt")).map((dt) => dt.textContent);
    expect(terms).toEqual([
      "Conductivity, Einstein-Helfand",
      "Conductivity, Nernst-Einstein",
      "Haven ratio",
      "Viscosity, Green-Kubo",
      "Residence time",
      "D",
      "D, Yeh-Hummer",
    ]);
    expect(methods.textContent).toContain("D + 2.837297 kB T / (6 pi eta L)");
  });

  it("replaces the whole-run conductivity and diffusion, and labels the whole-run t+", () => {
    renderMd(WITH_VALUES);
    expect(screen.queryByTestId("value-conductivity")).toBeNull();
    expect(screen.queryByTestId("diffusion-table")).toBeNull();
    expect(document.body.textContent).not.toContain("1.300e-6");
    expect(screen.getByTestId("value-transference").textContent).toBe(
      "0.31 (whole-run Nernst-Einstein, no error estimate)",
    );
  });

  it("says why a too-short run has no numbers", () => {
    renderMd(JSON.parse(tooShortText) as Summary);
    expect(screen.getByTestId("transport-eh").textContent).toBe(
      "too short" +
        "blocks of 0.8 ps: the MSD becomes diffusive at 0.2 ps, blocks of at least 1.6 ps are needed",
    );
    expect(screen.getByTestId("transport-ne").textContent).toBe(
      "too short" +
        "blocks of 0.8 ps: the MSD becomes diffusive at 0.8 ps, blocks of at least 2.8 ps are needed",
    );
    expect(screen.getByTestId("transport-haven").textContent).toContain("too short");
    expect(screen.getByTestId("transport-viscosity").textContent).toBe(
      "too short" + "blocks of 0.8 ps: Green-Kubo needs 5 blocks of at least 20 ps of pressure samples",
    );
    expect(screen.getByTestId("transport-residence-Li-PC").textContent).toBe(
      "too short" +
        "3 ligand exits observed (at least 10, and one in each of 5 blocks, are needed for a lifetime)",
    );
    expect(cells(screen.getByTestId("transport-diffusion"))).toEqual([
      [
        "Li",
        "too short" +
          "blocks of 0.8 ps: the MSD becomes diffusive at 0.8 ps, blocks of at least 2.8 ps are needed",
        "too short",
        "0.8–1.8 ps",
      ],
      [
        "PF6",
        "too short" +
          "blocks of 0.8 ps: the MSD becomes diffusive at 0.6 ps, blocks of at least 2.4 ps are needed",
        "too short",
        "0.6–1.2 ps",
      ],
      ["PC", "too short" + "no diffusive window in the MSD (log-log slope 0.59)", "too short", "1.2–2 ps"],
    ]);
    expect(screen.getByTestId("transport-numbers").textContent).not.toContain("±");
    expect(screen.getByTestId("transport-diffusion").textContent).not.toContain("±");
    // Neither the whole-run conductivity (11.06 S/m) nor the whole-run D are shown as results.
    expect(screen.queryByTestId("value-conductivity")).toBeNull();
    expect(document.body.textContent).not.toMatch(/11\.06|110\.6|1\.702e-5/);
  });
});

describe("MD results without a transport block (analysed before it existed)", () => {
  it("shows the whole-run conductivity and diffusion rows as before", () => {
    const old = JSON.parse(tooShortText) as Summary;
    delete old.transport;
    renderMd(old);
    expect(screen.queryByTestId("transport")).toBeNull();
    expect(screen.getByTestId("value-conductivity").textContent).toBe("11.06 S/m (Nernst-Einstein)");
    expect(screen.getByTestId("value-transference").textContent).toBe("0.488");
    expect(cells(screen.getByTestId("diffusion-table"))).toEqual([
      ["Li", "1.702e-5", "cm²/s", "0.8–1.8 ps", "0.971"],
      ["PF6", "1.784e-5", "cm²/s", "0.6–1.2 ps", "0.976"],
      ["PC", "9.734e-6", "cm²/s", "1.2–2 ps", "0.588 (not yet diffusive)"],
    ]);
  });
});
