import { describe, expect, it } from "vitest";
import { cleanMessage, fieldPath, mapValidationErrors } from "./errors";

describe("fieldPath", () => {
  it("drops body and spec and joins the rest with dots", () => {
    expect(fieldPath(["body", "spec", "salts", 0, "concentration"])).toBe("salts.0.concentration");
  });
  it("keeps top-level body fields", () => {
    expect(fieldPath(["body", "name"])).toBe("name");
  });
  it("gives the empty path for the spec itself", () => {
    expect(fieldPath(["body", "spec"])).toBe("");
  });
});

describe("cleanMessage", () => {
  it("strips pydantic's 'Value error, ' prefix", () => {
    expect(cleanMessage("Value error, unknown salt 'LiXX'")).toBe("unknown salt 'LiXX'");
    expect(cleanMessage("Input should be greater than 0")).toBe("Input should be greater than 0");
  });
});

describe("mapValidationErrors", () => {
  const known = ["salts.0.concentration", "salts.0", "solvents.1", "solvents.1.smiles", "temperature"];

  it("puts each message next to its field", () => {
    const detail = [
      {
        loc: ["body", "spec", "salts", 0, "concentration"],
        msg: "Input should be greater than 0",
        type: "greater_than",
      },
      {
        loc: ["body", "spec", "temperature"],
        msg: "Input should be less than or equal to 1000",
        type: "less_than_equal",
      },
    ];
    expect(mapValidationErrors(detail, known)).toEqual({
      "salts.0.concentration": ["Input should be greater than 0"],
      temperature: ["Input should be less than or equal to 1000"],
    });
  });

  it("walks up to the nearest field the form shows", () => {
    const detail = [{ loc: ["body", "spec", "solvents", 1, "smiles", "[key]"], msg: "bad", type: "x" }];
    expect(mapValidationErrors(detail, known)).toEqual({ "solvents.1.smiles": ["bad"] });
  });

  it("collects model-level and unknown errors under the empty key", () => {
    const detail = [
      {
        loc: ["body", "spec"],
        msg: "Value error, give salt_pairs or box_length, not both",
        type: "value_error",
      },
      { loc: ["body", "spec", "mystery"], msg: "Extra inputs are not permitted", type: "extra_forbidden" },
    ];
    expect(mapValidationErrors(detail, known)).toEqual({
      "": ["give salt_pairs or box_length, not both", "Extra inputs are not permitted"],
    });
  });

  it("keeps several messages for one field", () => {
    const detail = [
      { loc: ["body", "spec", "salts", 0], msg: "Value error, unknown salt 'X'", type: "value_error" },
      { loc: ["body", "spec", "salts", 0], msg: "second", type: "value_error" },
    ];
    expect(mapValidationErrors(detail, known)["salts.0"]).toEqual(["unknown salt 'X'", "second"]);
  });

  it("turns a plain string detail into a general message", () => {
    expect(mapValidationErrors("Job type not enabled", known)).toEqual({ "": ["Job type not enabled"] });
  });
});
