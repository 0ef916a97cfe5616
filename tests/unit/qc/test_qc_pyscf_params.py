"""PySCF run parameters (pure) and the named failures of input problems PySCF itself finds."""

from pathlib import Path

import pytest

from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.geometry import initial_geometry
from molyte.engines.qc.pyscf_calc import pyscf_params, run_pyscf
from molyte.engines.qc.steps import plan_steps


def _params(spec: dict[str, object]) -> dict[str, object]:
    qc = QCSpec.model_validate(spec)
    return pyscf_params(qc, plan_steps(qc, initial_geometry(qc.molecule))[0])


def test_parameters_of_a_solvated_dft_job() -> None:
    p = _params(
        {
            "molecule": {"xyz": "O 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692"},
            "method": "M06-2X",
            "basis": "6-31+G*",
            "dispersion": "GD3BJ",
            "solvation": {"model": "pcm", "solvent": "dmso"},
            "resources": {"memory_mb": 4000, "cpus_per_task": 2},
        }
    )
    assert p["xc"] == "m062x"
    assert p["disp"] == "d3bj"
    assert p["cartesian"] is True  # Gaussian's 6D convention for the 6-31G family
    assert p["solvent"] == {"model": "pcm", "solvent": "dimethylsulfoxide", "eps": 46.826}
    assert (p["max_memory_mb"], p["threads"], p["spin"]) == (3600, 2, 0)


def test_pcm_epsilon_and_spherical_basis() -> None:
    p = _params(
        {
            "molecule": {"smiles": "[OH]", "multiplicity": 2},
            "method": "HF",
            "basis": "def2-SVP",
            "solvation": {"model": "pcm", "epsilon": 89.78},
        }
    )
    assert p["xc"] is None and p["spin"] == 1 and p["cartesian"] is False
    assert p["solvent"] == {"model": "pcm", "solvent": None, "eps": 89.78}


def test_missing_basis_is_named(tmp_path: Path) -> None:
    p = _params({"molecule": {"xyz": "I 0 0 0\nI 0 0 2.67"}, "method": "HF", "task": "sp"})
    s = run_pyscf(p, tmp_path / "i2.log")
    assert s["normal_termination"] is False
    assert s["failure_reason"] == "BASIS_NOT_FOUND"
    assert "6-31G*" in s["message"]


def test_inconsistent_spin_is_named(tmp_path: Path) -> None:
    p = _params({"molecule": {"smiles": "O"}, "method": "HF", "task": "sp"})
    s = run_pyscf({**p, "charge": 1}, tmp_path / "bad.log")
    assert s["failure_reason"] == "WRONG_CHARGE_MULTIPLICITY"
    assert s["scf_energy_hartree"] is None


@pytest.mark.parametrize("method", ["GFN2-xTB", "wB97X-D"])
def test_methods_pyscf_cannot_run(method: str) -> None:
    qc = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": method})
    with pytest.raises(ValueError, match="not available in PySCF"):
        pyscf_params(qc, plan_steps(qc, initial_geometry(qc.molecule))[0])


def test_every_solvent_is_known_to_each_program() -> None:
    from pyscf.solvent.smd import solvent_db

    from molyte.domain.qc_spec import SOLVENT_TABLE, SOLVENTS

    assert set(SOLVENT_TABLE) == set(SOLVENTS)
    for names in SOLVENT_TABLE.values():
        assert names.pyscf in solvent_db
        # the dielectric constant Molyte gives PCM is PySCF's own SMD value
        assert solvent_db[names.pyscf][5] == pytest.approx(names.epsilon, abs=1e-3)
