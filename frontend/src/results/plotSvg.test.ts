import { describe, expect, it } from "vitest";
import { escapeXml, fileStem, niceTicks, plotSvg } from "./plotSvg";

describe("SVG export", () => {
  it("chooses round ticks that cover the data", () => {
    expect(niceTicks(0.5, 2)).toEqual([0.5, 1, 1.5, 2]);
    expect(niceTicks(1.21, 1.34)).toEqual([1.2, 1.25, 1.3, 1.35]);
    expect(niceTicks(0, 9)).toEqual([0, 2, 4, 6, 8, 10]);
    const single = niceTicks(5, 5);
    expect(single[0]).toBeLessThan(5);
    expect(single.at(-1)).toBeGreaterThan(5);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });

  it("draws points, error bars, labels and a legend, escaping text", () => {
    const svg = plotSvg({
      title: "Density <vs> c",
      xLabel: "c (M)",
      yLabel: "density (g/cm³)",
      points: true,
      series: [
        { label: "T = 298", x: [0.5, 1], y: [1.22, 1.31], errors: [0.01, undefined] },
        { label: "T = 330 & more", x: [0.5, 1], y: [1.2, 1.27], errors: [0.02, 0.03] },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Density &lt;vs&gt; c");
    expect(svg).toContain("T = 330 &amp; more");
    expect(svg).toContain("density (g/cm³)");
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg.match(/class="error-bar"/g)).toHaveLength(3);
    expect(new DOMParser().parseFromString(svg, "image/svg+xml").querySelector("parsererror")).toBeNull();
  });

  it("draws no legend for a single series and no dots unless asked", () => {
    const svg = plotSvg({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      series: [{ label: "only", x: [1, 2], y: [3, 4] }],
    });
    expect(svg).not.toContain(">only<");
    expect(svg).not.toContain("<circle");
    expect(svg).toContain('<path d="M');
  });

  it("escapes XML and names files safely", () => {
    expect(escapeXml(`a<b>&"c"`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;");
    expect(fileStem("LiPF6 study: density vs salts.0.concentration")).toBe(
      "LiPF6-study-density-vs-salts.0.concentration",
    );
    expect(fileStem("///")).toBe("plot");
  });
});
