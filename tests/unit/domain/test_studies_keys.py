"""Dotted spec paths (studies, clone), search keys, key results and provenance: pure parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from molyte.domain import provenance
from molyte.domain.md_spec import ConcentrationBasis
from molyte.domain.search_keys import (
    DEFAULT_CONCENTRATION_BASIS,
    key_results,
    result_keys,
    spec_keys,
)
from molyte.domain.spec_paths import PathNotFound, set_path

SPEC = {
    "salts": [{"name": "LiPF6", "concentration": 1.0}, {"name": "LiFSI", "concentration": 0.25}],
    "solvents": [{"name": "EC", "smiles": None, "ratio": 1.0}, {"name": None, "smiles": "COC"}],
    "temperature": 298.15,
    "stages": None,
}


def test_set_path_changes_a_copy() -> None:
    changed = set_path(SPEC, "salts.1.concentration", 0.5)
    assert changed["salts"][1]["concentration"] == 0.5
    assert SPEC["salts"][1]["concentration"] == 0.25  # type: ignore[index]
    assert set_path(SPEC, "temperature", 330)["temperature"] == 330
    assert set_path(SPEC, "stages", {"nvt_ps": 5})["stages"] == {"nvt_ps": 5}


@pytest.mark.parametrize(
    "path",
    ["salts.2.concentration", "salts.x.name", "salts.0.charge", "stages.nvt_ps", "", "a..b",
     "temperature.0", "salts.-1.name"],
)  # fmt: skip
def test_set_path_refuses_what_does_not_exist(path: str) -> None:
    with pytest.raises(PathNotFound):
        set_path(SPEC, path, 1)


def test_spec_keys() -> None:
    md = spec_keys("MD", SPEC)
    assert md.temperature == 298.15 and md.concentration == 1.25
    assert md.species == [
        ("salt", "LiPF6"),
        ("salt", "LiFSI"),
        ("solvent", "EC"),
        ("solvent", "COC"),
    ]
    qc = spec_keys("QC", {"method": "B3LYP", "basis": "def2-SVP"})
    assert (qc.method, qc.basis, qc.temperature, qc.species) == ("B3LYP", "def2-SVP", None, [])


def test_the_concentration_key_carries_its_basis() -> None:
    # a stored spec names its basis only when it is not the default
    assert spec_keys("MD", SPEC).columns()["concentration_basis"] == "solvent"
    molal = spec_keys("MD", {**SPEC, "concentration_basis": "molal"})
    assert (molal.concentration, molal.concentration_basis) == (1.25, "molal")
    neat = spec_keys("MD", {**SPEC, "salts": []})
    assert (neat.concentration, neat.concentration_basis) == (None, None)
    assert spec_keys("QC", {"method": "HF"}).columns()["concentration_basis"] is None
    assert DEFAULT_CONCENTRATION_BASIS == ConcentrationBasis.SOLVENT


def test_result_keys_and_key_results() -> None:
    summary = {
        "density": {"mean": 1.3},
        "conductivity": None,
        "diffusion": [{"species": "Li", "D": 1e-6}, {"species": "PF6", "D": None}],
        "transference_number": 0.4,
        "rdf": [{"pair": "Li-O(EC)", "coordination": 4.0}],
        "provenance": {"core_hours": 2.5},
    }
    assert result_keys(summary) == {
        "density": 1.3, "conductivity": None, "energy_hartree": None, "gap_ev": None,
        "core_hours": 2.5,
    }  # fmt: skip
    assert key_results("MD", summary) == {
        "density_g_cm3": 1.3, "conductivity_S_m": None, "D_Li_cm2_s": 1e-6, "D_PF6_cm2_s": None,
        "transference_number": 0.4, "CN_Li-O(EC)": 4.0,
    }  # fmt: skip
    qc = {"scf_energy_hartree": -1.0, "gap_ev": 5.0, "redox_potential_v": 4.1, "homo_ev": True}
    assert key_results("QC", qc) == {
        "scf_energy_hartree": -1.0, "homo_ev": None, "lumo_ev": None, "gap_ev": 5.0,
        "dipole_debye": None, "redox_potential_v": 4.1,
    }  # fmt: skip
    assert key_results("MD", None) == {}


def test_key_results_carry_the_analysis_uncertainties() -> None:
    """Transport numbers come with their block errors as `<column>_std`; Einstein-Helfand is
    the conductivity where it was computed, Nernst-Einstein beside it."""
    summary = {
        "density": {"mean": 1.21, "std": 0.015},
        "conductivity": {"value": 0.9, "method": "Nernst-Einstein"},
        "diffusion": [{"species": "Li", "D": 2e-6, "D_error": 9e-7}],
        "transport": {
            "conductivity_einstein_helfand": {"value": 0.6, "error": 0.2},
            "conductivity_nernst_einstein": {"value": 0.9, "error": 0.1},
            "diffusion": [{"species": "Li", "D": {"value": 1.5e-6, "error": 3e-7}}],
            "haven_ratio": {"value": 1.5, "error": 0.5},
            "viscosity": {"value": None, "error": None, "too_short": "run shorter than 100 ps"},
        },
    }
    out = key_results("MD", summary)
    assert (out["density_g_cm3"], out["density_g_cm3_std"]) == (1.21, 0.015)
    assert (out["conductivity_S_m"], out["conductivity_S_m_std"]) == (0.6, 0.2)
    assert (out["conductivity_NE_S_m"], out["conductivity_NE_S_m_std"]) == (0.9, 0.1)
    assert (out["D_Li_cm2_s"], out["D_Li_cm2_s_std"]) == (1.5e-6, 3e-7)
    assert (out["haven_ratio"], out["haven_ratio_std"]) == (1.5, 0.5)
    assert "viscosity_mPa_s" not in out  # too short: no number rather than a wrong one


def test_a_run_too_short_for_transport_gives_no_conductivity_nor_d() -> None:
    """The older whole-run numbers (given even when the MSD is not diffusive) are not shown in
    place of block estimates the analysis declined; NE stands in where EH alone is missing."""
    too_short = {"value": None, "error": None, "too_short": "blocks of 0.8 ps: too short"}
    summary = {
        "conductivity": {"value": 11.0, "method": "Nernst-Einstein"},
        "diffusion": [{"species": "Li", "D": 3e-5, "D_error": None}],
        "transport": {
            "conductivity_einstein_helfand": too_short,
            "conductivity_nernst_einstein": too_short,
            "diffusion": [{"species": "Li", "D": too_short}],
        },
    }
    out = key_results("MD", summary)
    assert out["conductivity_S_m"] is None and out["D_Li_cm2_s"] is None
    assert "conductivity_S_m_std" not in out and "D_Li_cm2_s_std" not in out
    summary["transport"]["conductivity_nernst_einstein"] = {"value": 0.8, "error": 0.1}
    out = key_results("MD", summary)
    assert (out["conductivity_S_m"], out["conductivity_S_m_std"]) == (0.8, 0.1)


def test_provenance_keeps_the_workers_values_and_fills_the_rest() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(minutes=90)
    filled = provenance.complete(
        {"engine_version": "v1", "host": None, "core_hours": None},
        molyte_version="0.1.0", worker="w", host="login1", engine="lammps",
        scheduler_job_id="7", started_at=start, finished_at=end, cpus=4,
    )  # fmt: skip
    assert filled["engine_version"] == "v1" and filled["host"] == "login1"
    assert filled["core_hours"] == 6.0 and filled["started_at"] == start.isoformat()
    assert set(provenance.FIELDS) <= set(filled)
    kept = provenance.complete(
        {"core_hours": 1.25, "host": "node3", "worker": "spoofed"},
        molyte_version="0.1.0", worker="w", host="login1", engine="xtb",
        scheduler_job_id=None, started_at=None, finished_at=end, cpus=4,
    )  # fmt: skip
    assert (kept["core_hours"], kept["host"], kept["worker"]) == (1.25, "node3", "w")
    assert provenance.requested_cpus({"resources": {"tasks": 4, "cpus_per_task": 2}}) == 8
