// An interactive 3D view of a structure (PDB or XYZ text) drawn by 3Dmol.js. Loaded lazily.

import { useEffect, useRef, useState } from "react";
import { createViewer, type AtomSpec, type GLViewer } from "3dmol";
import { useI18n } from "../i18n/I18nContext";

export interface Viewer3DProps {
  data: string;
  format: "pdb" | "xyz";
  /** Colour each species (PDB residue name) with its own colour, with a legend. */
  bySpecies?: boolean;
}

export interface SpeciesColor {
  name: string;
  color: string;
  ion: boolean;
}

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#db2777",
  "#4b5563",
  "#65a30d",
];

/** Species of a structure (residue names), each with a colour; single-atom species are ions. */
export function speciesColors(atoms: readonly Pick<AtomSpec, "resn" | "resi" | "chain">[]): SpeciesColor[] {
  const residues = new Map<string, Set<string>>();
  const atomCounts = new Map<string, number>();
  for (const atom of atoms) {
    const name = (atom.resn ?? "").trim();
    if (!name) continue;
    if (!residues.has(name)) residues.set(name, new Set());
    residues.get(name)!.add(`${atom.chain ?? ""}:${atom.resi ?? ""}`);
    atomCounts.set(name, (atomCounts.get(name) ?? 0) + 1);
  }
  return [...residues.keys()].map((name, index) => ({
    name,
    color: PALETTE[index % PALETTE.length]!,
    ion: atomCounts.get(name) === residues.get(name)!.size,
  }));
}

/** True when this browser can draw WebGL (3Dmol.js needs it). */
function hasWebGL(): boolean {
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    return gl !== null;
  } catch {
    return false;
  }
}

export default function Viewer3D({ data, format, bySpecies = false }: Viewer3DProps) {
  const { t } = useI18n();
  const holder = useRef<HTMLDivElement>(null);
  const viewerRef = useRef<GLViewer | null>(null);
  const [legend, setLegend] = useState<SpeciesColor[]>([]);
  const [colorBy, setColorBy] = useState<"species" | "element">(bySpecies ? "species" : "element");
  const [webgl] = useState(hasWebGL);

  useEffect(() => {
    const element = holder.current;
    if (!element || !webgl) return;
    const viewer = createViewer(element, { backgroundColor: "white" });
    viewerRef.current = viewer;
    const model = viewer.addModel(data, format);
    const species = speciesColors(model.selectedAtoms({}));
    setLegend(species.length > 1 ? species : []);
    if (format === "pdb") {
      try {
        viewer.addUnitCell(model, { box: { color: "#94a3b8" } });
      } catch {
        // A PDB without a CRYST1 record has no cell to draw.
      }
    }
    const observer = new ResizeObserver(() => viewer.resize().render());
    observer.observe(element);
    return () => {
      observer.disconnect();
      viewer.clear();
      viewerRef.current = null;
      // Browsers allow only a few live WebGL contexts; give this one back before the canvas goes.
      const canvas = viewer.getCanvas();
      const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
      gl?.getExtension("WEBGL_lose_context")?.loseContext();
      element.replaceChildren();
    };
  }, [data, format, webgl]);

  useEffect(() => {
    const viewer = viewerRef.current;
    if (!viewer) return;
    if (colorBy === "species" && legend.length > 1) {
      for (const species of legend) {
        viewer.setStyle(
          { resn: species.name },
          species.ion
            ? { sphere: { scale: 0.5, color: species.color } }
            : { stick: { radius: 0.12, color: species.color }, sphere: { scale: 0.2, color: species.color } },
        );
      }
    } else {
      viewer.setStyle({}, { stick: { radius: 0.14 }, sphere: { scale: 0.25 } });
    }
    viewer.zoomTo();
    viewer.render();
  }, [colorBy, legend, data]);

  return (
    <div className="viewer-wrap">
      <div
        className="viewer"
        data-testid="viewer-3d"
        ref={holder}
        role="img"
        aria-label={t("viewer.label")}
      />
      {!webgl && <p className="error">{t("viewer.noWebgl")}</p>}
      {legend.length > 1 && (
        <div className="viewer-controls">
          <div className="segmented small" role="radiogroup" aria-label={t("viewer.colorBy")}>
            {(["species", "element"] as const).map((mode) => (
              <label key={mode} className={colorBy === mode ? "selected" : ""}>
                <input
                  type="radio"
                  name="color-by"
                  checked={colorBy === mode}
                  onChange={() => setColorBy(mode)}
                />
                {t(mode === "species" ? "viewer.bySpecies" : "viewer.byElement")}
              </label>
            ))}
          </div>
          {colorBy === "species" && (
            <ul className="legend" data-testid="viewer-legend">
              {legend.map((species) => (
                <li key={species.name}>
                  <span className="swatch" style={{ background: species.color }} aria-hidden="true" />
                  {species.name}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <p className="muted small-text">{t("viewer.help")}</p>
    </div>
  );
}
