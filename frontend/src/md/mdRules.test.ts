import { describe, expect, it } from "vitest";
import { initialMdForm } from "./mdForm";
import { mdFormProblems, mergeErrors, placeSpecMessages } from "./mdRules";

describe("the composition rules the browser checks", () => {
  it("finds nothing wrong with the default form or a neat ionic liquid", () => {
    expect(mdFormProblems(initialMdForm())).toEqual({});
    const neat = {
      ...initialMdForm(),
      salts: [],
      solvents: [{ kind: "library" as const, name: "[EMIM][BF4]", smiles: "", ratio: "1", density: "" }],
      molecules: "12",
    };
    expect(mdFormProblems(neat)).toEqual({});
  });

  it("says what the server says of concentrations, ratios and counts", () => {
    const form = initialMdForm();
    form.salts = [
      { name: "LiPF6", concentration: "0" },
      { name: "LiFSI", concentration: "12" },
    ];
    form.solvents = form.solvents.map((solvent, i) => ({ ...solvent, ratio: i === 0 ? "-1" : "" }));
    form.salt_pairs = "0";
    expect(mdFormProblems(form)).toEqual({
      "salts.0.concentration": ["Input should be greater than 0"],
      "salts.1.concentration": ["Input should be less than or equal to 10"],
      "solvents.0.ratio": ["Input should be greater than 0"],
      "solvents.1.ratio": ["Input should be a valid number"],
      salt_pairs: ["Input should be greater than or equal to 1"],
    });
  });

  it("checks molecules, not salt pairs, once the last salt is gone", () => {
    const form = { ...initialMdForm(), salts: [], salt_pairs: "0", molecules: "1" };
    expect(mdFormProblems(form)).toEqual({ molecules: ["Input should be greater than or equal to 2"] });
    expect(mdFormProblems({ ...form, molecules: "2.5" })).toEqual({
      molecules: ["Input should be a valid integer, got a number with a fractional part"],
    });
    expect(mdFormProblems({ ...form, molecules: "" })).toEqual({});
  });

  it("wants at least one solvent and each salt and solvent once", () => {
    const form = initialMdForm();
    form.salts = [
      { name: "LiPF6", concentration: "1" },
      { name: "LiPF6", concentration: "0.5" },
    ];
    form.solvents = [];
    expect(mdFormProblems(form)).toEqual({
      solvents: ["List should have at least 1 item after validation, not 0"],
      salts: ["each salt may appear once"],
    });
    const twice = initialMdForm();
    twice.solvents = twice.solvents.map((solvent) => ({ ...solvent, name: "EC" }));
    expect(mdFormProblems(twice)).toEqual({ solvents: ["each solvent may appear once"] });
  });

  it("checks the box length only when the box is sized by it", () => {
    const form = { ...initialMdForm(), size_mode: "box_length" as const, box_length: "10", salt_pairs: "0" };
    expect(mdFormProblems(form)).toEqual({ box_length: ["Input should be greater than or equal to 15"] });
  });
});

describe("the server's messages next to their fields", () => {
  it("puts whole-spec messages about the salts or solvents on those lists", () => {
    const placed = placeSpecMessages({
      "": ["each salt may appear once", "give salt_pairs or box_length, not both"],
      "solvents.0.name": ["unknown solvent 'X'"],
    });
    expect(placed).toEqual({
      "": ["give salt_pairs or box_length, not both"],
      salts: ["each salt may appear once"],
      "solvents.0.name": ["unknown solvent 'X'"],
    });
    expect(placeSpecMessages({ "": ["each solvent may appear once"] })).toEqual({
      solvents: ["each solvent may appear once"],
    });
  });

  it("shows a message the browser and the server both give once", () => {
    expect(
      mergeErrors(
        { molecules: ["Input should be greater than or equal to 2"] },
        { molecules: ["Input should be greater than or equal to 2"], "": ["later"] },
      ),
    ).toEqual({ molecules: ["Input should be greater than or equal to 2"], "": ["later"] });
  });
});
