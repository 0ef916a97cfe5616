"""The .gjf writer: exact text for a few specs; route-line injection attempts are refused."""

from typing import Any

import pytest
from pydantic import ValidationError

from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.gaussian import Attempt, build_gjf, wants_esp
from molyte.engines.qc.geometry import embed_smiles, initial_geometry
from molyte.engines.qc.steps import plan_steps

WATER_XYZ = "3\nwater\nO 0.0 0.0 0.1173\nH 0.0 0.7572 -0.4692\nH 0.0 -0.7572 -0.4692\n"
COORDS = (
    "O      0.00000000     0.00000000     0.11730000\n"
    "H      0.00000000     0.75720000    -0.46920000\n"
    "H      0.00000000    -0.75720000    -0.46920000\n"
)


def _gjf(spec: dict[str, Any], attempt: Attempt | None = None, restart: bool = False) -> str:
    qc = QCSpec.model_validate(spec)
    step = plan_steps(qc, initial_geometry(qc.molecule))[0]
    return build_gjf(qc, step, "input", attempt or Attempt(), restart)


def test_gas_phase_single_point() -> None:
    text = _gjf(
        {
            "molecule": {"xyz": WATER_XYZ},
            "task": "sp",
            "method": "HF",
            "basis": "STO-3G",
            "resources": {"memory_mb": 1000, "cpus_per_task": 2},
        }
    )
    assert text == (
        "%chk=input.chk\n%mem=800MB\n%nprocshared=2\n#p HF/STO-3G SP Pop=MK\n\n"
        "Molyte sp molecule HF/STO-3G\n\n0 1\n" + COORDS + "\n"
    )


def test_opt_freq_with_dispersion_and_smd() -> None:
    text = _gjf(
        {
            "molecule": {"xyz": WATER_XYZ},
            "task": "opt_freq",
            "method": "M06-2X",
            "basis": "def2-TZVP",
            "dispersion": "GD3BJ",
            "solvation": {"model": "smd", "solvent": "acetonitrile"},
            "resources": {"memory_mb": 8000, "cpus_per_task": 4},
        }
    )
    assert text == (
        "%chk=input.chk\n%mem=6400MB\n%nprocshared=4\n"
        "#p M062X/Def2TZVP Opt Freq EmpiricalDispersion=GD3BJ "
        "SCRF=(SMD,Solvent=Acetonitrile) Pop=MK\n\n"
        "Molyte opt_freq molecule M06-2X/def2-TZVP\n\n0 1\n" + COORDS + "\n"
    )


def test_pcm_with_a_dielectric_constant_reads_eps() -> None:
    text = _gjf(
        {
            "molecule": {"xyz": WATER_XYZ, "charge": 1, "multiplicity": 2},
            "task": "opt",
            "method": "wB97X-D",
            "basis": "6-311+G**",
            "solvation": {"model": "pcm", "epsilon": 89.78},
        }
    )
    assert text == (
        "%chk=input.chk\n%mem=1600MB\n%nprocshared=1\n"
        "#p wB97XD/6-311+G** Opt SCRF=(PCM,Read) Pop=MK\n\n"
        "Molyte opt molecule wB97X-D/6-311+G**\n\n1 2\n" + COORDS + "\nEps=89.7800\n\n"
    )


def test_repaired_restart_reads_the_checkpoint() -> None:
    text = _gjf(
        {"molecule": {"xyz": WATER_XYZ}, "task": "opt_freq", "method": "B3LYP", "basis": "6-31G*"},
        Attempt(number=3, scf_xqc=True, restart=True, opt_calcfc=True),
        restart=True,
    )
    assert text == (
        "%chk=input.chk\n%mem=1600MB\n%nprocshared=1\n"
        "#p B3LYP/6-31G* Opt=(CalcFC,MaxCycles=200) Freq SCF=(XQC,MaxCycle=512) "
        "Pop=MK Geom=Check Guess=Read\n\n"
        "Molyte opt_freq molecule B3LYP/6-31G*\n\n0 1\n\n"
    )


def test_smiles_gives_coordinates_with_hydrogens() -> None:
    text = _gjf({"molecule": {"smiles": "CO"}, "task": "sp", "basis": "6-31G*"})
    lines = text.splitlines()
    assert lines[3] == "#p B3LYP/6-31G* SP Pop=MK"
    atoms = [ln.split()[0] for ln in lines[8:] if ln.strip()]
    assert sorted(atoms) == ["C", "H", "H", "H", "H", "O"]


INJECTIONS = [
    ("method", "B3LYP\n--Link1--"),
    ("method", "B3LYP %mem=100GB"),
    ("basis", "6-31G*\n%chk=/etc/passwd"),
    ("basis", "--Link1--"),
    ("ion", "Li\n#p HF"),
]


@pytest.mark.parametrize(("field", "value"), INJECTIONS)
def test_injection_in_top_level_fields_is_refused(field: str, value: str) -> None:
    spec: dict[str, Any] = {"molecule": {"smiles": "O"}, "task": "sp", field: value}
    with pytest.raises(ValidationError) as err:
        QCSpec.model_validate(spec)
    assert field in {str(e["loc"][0]) for e in err.value.errors()}


@pytest.mark.parametrize(
    "molecule",
    [
        {"smiles": "O\n--Link1--"},
        {"smiles": "C%chk=x"},
        {"smiles": "--Link1--"},
        {"xyz": "O 0 0 0\n--Link1--\nH 0 0 1"},
        {"xyz": "O 0 0 0\n%mem=1GB"},
        {"xyz": "2\n--Link1--\nO 0 0 0\nH 0 0 0.96"},
        {"xyz": "2\n%chk=x\nO 0 0 0\nH 0 0 0.96"},
    ],
)
def test_injection_in_molecule_is_refused(molecule: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as err:
        QCSpec.model_validate({"molecule": molecule, "task": "sp"})
    assert err.value.errors()[0]["loc"][0] == "molecule"


@pytest.mark.parametrize("solvent", ["water)\n--Link1--", "water,%mem=1GB", "Water"])
def test_injection_in_solvent_is_refused(solvent: str) -> None:
    with pytest.raises(ValidationError) as err:
        QCSpec.model_validate(
            {"molecule": {"smiles": "O"}, "solvation": {"model": "pcm", "solvent": solvent}}
        )
    assert err.value.errors()[0]["loc"][:2] == ("solvation", "solvent")


def test_esp_charges_only_where_gaussian_has_mk_radii() -> None:
    lithium = "Li 0 0 0\nO 0 0 1.9\nH 0 0.76 2.5\nH 0 -0.76 2.5"
    text = _gjf({"molecule": {"xyz": lithium, "charge": 1}, "task": "sp", "basis": "6-31G*"})
    assert "Pop=MK" not in text.splitlines()[3]
    spec = QCSpec.model_validate(
        {"molecule": {"smiles": "O=C1OCCO1"}, "task": "binding_energy", "ion": "Li"}
    )
    steps = plan_steps(spec, embed_smiles("O=C1OCCO1"))
    assert not any(wants_esp(spec, step) for step in steps)
