import { describe, expect, it } from "vitest";
import { format } from "./I18nContext";
import { STRINGS } from "./strings";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  it("has every English text in Chinese, with the same placeholders", () => {
    for (const [key, english] of Object.entries(STRINGS.en)) {
      const chinese = STRINGS.zh[key as keyof typeof STRINGS.zh];
      expect(chinese, key).toBeTruthy();
      expect(placeholders(chinese), key).toEqual(placeholders(english));
    }
  });

  it("fills placeholders", () => {
    expect(format(STRINGS.en["jobs.pageOf"], { page: 2, pages: 5, total: 93 })).toBe("Page 2 of 5 (93 jobs)");
    expect(format(STRINGS.zh["jobs.pageOf"], { page: 2, pages: 5, total: 93 })).toBe(
      "第 2 / 5 页（共 93 个作业）",
    );
    expect(format("{missing}", {})).toBe("{missing}");
  });
});
