"""What the job list searches on, copied out of a job's spec and its result summary.

Why columns and not JSON-path expression indexes: the spec and summary are `JSON` (not
`JSONB`) and must work on SQLite too; a typed column compares numbers as numbers on both
databases, has its own planner statistics, and is indexed by a plain b-tree. The copies are
written at submission (spec keys) and at result registration (result keys), the only two moments
either source changes. Salts and solvents are many per job, so they go into a side table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# `md_spec.ConcentrationBasis.SOLVENT`, what a spec that names no basis means (kept as text so
# that the migrations importing this module need not load the spec and RDKit; a test keeps them
# equal).
DEFAULT_CONCENTRATION_BASIS = "solvent"
# Result columns and the summary keys they are copied from (MD first, then QC).
RESULT_COLUMNS = ("density", "conductivity", "energy_hartree", "gap_ev")


@dataclass(frozen=True)
class SpecKeys:
    """The searchable parts of a spec: scalars for columns, (kind, name) pairs for species."""

    temperature: float | None = None
    concentration: float | None = None
    concentration_basis: str | None = None
    method: str | None = None
    basis: str | None = None
    species: list[tuple[str, str]] = field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "concentration": self.concentration,
            "concentration_basis": self.concentration_basis,
            "method": self.method,
            "basis": self.basis,
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def concentration_basis(spec: dict[str, Any]) -> str:
    """The basis of a stored MD spec's salt concentrations ("solvent" when it names none)."""
    basis = spec.get("concentration_basis")
    return str(basis)[:16] if basis else DEFAULT_CONCENTRATION_BASIS


def spec_keys(job_type: str, spec: dict[str, Any]) -> SpecKeys:
    """Search keys of a validated spec (as stored: `model_dump(mode="json")`)."""
    if job_type == "MD":
        salts = [s for s in spec.get("salts") or [] if isinstance(s, dict)]
        solvents = [s for s in spec.get("solvents") or [] if isinstance(s, dict)]
        concentrations = [_number(s.get("concentration")) for s in salts]
        species = [("salt", str(s["name"])) for s in salts if s.get("name")]
        species += [
            ("solvent", str(s.get("name") or s.get("smiles")))
            for s in solvents
            if s.get("name") or s.get("smiles")
        ]
        return SpecKeys(
            temperature=_number(spec.get("temperature")),
            # Total salt concentration: what "1 M" means for a one-salt electrolyte, in the
            # spec's basis (left out of the stored spec at its default, "solvent"), which a
            # search must match: 1 mol/kg is not 1 mol/L.
            concentration=sum(c for c in concentrations if c is not None) if salts else None,
            concentration_basis=concentration_basis(spec) if salts else None,
            species=species,
        )
    method, basis = spec.get("method"), spec.get("basis")
    return SpecKeys(
        method=str(method)[:64] if method else None,
        basis=str(basis)[:64] if basis else None,
    )


def result_keys(summary: dict[str, Any]) -> dict[str, float | None]:
    """The result columns from a summary (null where the job did not compute it)."""
    density = summary.get("density")
    conductivity = summary.get("conductivity")
    provenance = summary.get("provenance")
    return {
        "density": _number(density.get("mean")) if isinstance(density, dict) else None,
        "conductivity": (
            _number(conductivity.get("value")) if isinstance(conductivity, dict) else None
        ),
        "energy_hartree": _number(summary.get("scf_energy_hartree")),
        "gap_ev": _number(summary.get("gap_ev")),
        "core_hours": (
            _number(provenance.get("core_hours")) if isinstance(provenance, dict) else None
        ),
    }


def _estimate(entry: Any) -> tuple[float | None, float | None]:
    """(value, error) of a transport estimate `{value, error, ...}`; (None, None) otherwise."""
    if not isinstance(entry, dict):
        return None, None
    return _number(entry.get("value")), _number(entry.get("error"))


def key_results(job_type: str, summary: dict[str, Any] | None) -> dict[str, float | None]:
    """A job's headline results for a study's table, flat `{column: value}`; a column's
    uncertainty, where the analysis gave one, is beside it as `<column>_std` (the block
    standard error of transport numbers, the standard deviation of the density samples).

    MD: density, conductivity (Einstein-Helfand where computed, else the block Nernst-Einstein;
    none when the run was too short for both: the older whole-run number is read only from
    summaries analysed before the `transport` block existed), D of each
    species, transference number, Haven ratio, viscosity, first-shell CN of each cation-site
    pair; QC: energy, HOMO/LUMO/gap, dipole, and redox or binding when computed.
    """
    if not summary:
        return {}
    out: dict[str, float | None] = {}
    if job_type == "MD":
        keys = result_keys(summary)
        density = summary.get("density")
        out["density_g_cm3"] = keys["density"]
        out["density_g_cm3_std"] = (
            _number(density.get("std")) if isinstance(density, dict) else None
        )
        transport = summary.get("transport")
        transport = transport if isinstance(transport, dict) else {}
        eh, eh_error = _estimate(transport.get("conductivity_einstein_helfand"))
        ne, ne_error = _estimate(transport.get("conductivity_nernst_einstein"))
        if eh is not None:
            out["conductivity_S_m"], out["conductivity_S_m_std"] = eh, eh_error
        elif ne is not None:
            out["conductivity_S_m"], out["conductivity_S_m_std"] = ne, ne_error
        elif not transport:
            out["conductivity_S_m"] = keys["conductivity"]  # analysed before the transport block
        else:
            out["conductivity_S_m"] = None  # the run was too short for either estimate
        if ne is not None:
            out["conductivity_NE_S_m"], out["conductivity_NE_S_m_std"] = ne, ne_error
        errors = {
            e["species"]: _estimate(e.get("D"))
            for e in transport.get("diffusion") or []
            if isinstance(e, dict) and e.get("species")
        }
        for entry in summary.get("diffusion") or []:
            if isinstance(entry, dict) and entry.get("species"):
                name = f"D_{entry['species']}_cm2_s"
                if entry["species"] in errors:  # the block estimate, or none if too short
                    out[name], out[f"{name}_std"] = errors[entry["species"]]
                else:  # analysed before the transport block
                    out[name] = _number(entry.get("D"))
                    out[f"{name}_std"] = _number(entry.get("D_error"))
        out["transference_number"] = _number(summary.get("transference_number"))
        for key, column in (("haven_ratio", "haven_ratio"), ("viscosity", "viscosity_mPa_s")):
            value, error = _estimate(transport.get(key))
            if value is not None:
                out[column], out[f"{column}_std"] = value, error
        for entry in summary.get("rdf") or []:
            if isinstance(entry, dict) and entry.get("pair"):
                out[f"CN_{entry['pair']}"] = _number(entry.get("coordination"))
        # An uncertainty column only where the analysis gave one.
        return {k: v for k, v in out.items() if not (k.endswith("_std") and v is None)}
    for key in ("scf_energy_hartree", "homo_ev", "lumo_ev", "gap_ev", "dipole_debye"):
        out[key] = _number(summary.get(key))
    for key in ("redox_potential_v", "binding_energy_kcal_mol"):
        if summary.get(key) is not None:
            out[key] = _number(summary.get(key))
    return out
