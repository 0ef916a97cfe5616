"""Post-HF energies and thermochemistry from real Gaussian and xtb output, the ESP fit, and the
QC-charges hand-off to an MD species (atom matching and the spec's checks)."""

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from molyte.domain.charges import charges_for_species, map_charges
from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.esp import MK_RADII, MK_SCALES, fit_charges, mk_grid
from molyte.engines.qc.gaussian import parse_esp_charges, parse_gaussian_log
from molyte.engines.qc.steps import Step, combine, empty_step_summary, plan_steps
from molyte.engines.qc.xtb import parse_xtb_output, parse_xtb_thermo

DATA = Path(__file__).parents[2] / "data"
GAUSSIAN = DATA / "gaussian"

# ---- Gaussian post-HF energies (real cclib logs, water STO-3G) ----------------------------


def test_mp2_log_names_its_mp2_energy_beside_the_hf_energy() -> None:
    s = parse_gaussian_log(GAUSSIAN / "water_mp2.log")
    # "SCF Done:  E(RHF) =  -74.9643287914" and "EUMP2 =    -0.75002282127454D+02"
    assert s["scf_energy_hartree"] == pytest.approx(-74.9643287914, abs=1e-9)
    assert s["post_hf_energies_hartree"] == {"MP2": pytest.approx(-75.002282127454, abs=1e-11)}
    assert s["energy_method"] == "MP2"
    assert s["energy_hartree"] == pytest.approx(-75.002282127454, abs=1e-11)


def test_mp4_log_keeps_every_order_and_names_sdtq() -> None:
    s = parse_gaussian_log(GAUSSIAN / "water_mp4.log")
    energies = s["post_hf_energies_hartree"]
    assert list(energies) == ["MP2", "MP3", "MP4(DQ)", "MP4(SDQ)", "MP4(SDTQ)"]
    # "E4(SDTQ)= -0.32671217D-02        UMP4(SDTQ)= -0.75016068053D+02"
    assert energies["MP4(SDTQ)"] == pytest.approx(-75.016068053, abs=1e-9)
    assert energies["MP3"] == pytest.approx(-75.012800931, abs=1e-9)
    assert s["energy_method"] == "MP4(SDTQ)"


def test_ccsd_log() -> None:
    s = parse_gaussian_log(GAUSSIAN / "water_ccsd.log")
    # "Wavefunction amplitudes converged. E(Corr)=     -75.017683639"
    assert s["post_hf_energies_hartree"]["CCSD"] == pytest.approx(-75.017683639, abs=1e-9)
    assert s["energy_method"] == "CCSD"
    assert "CCSD(T)" not in s["post_hf_energies_hartree"]


def test_ccsd_t_log_takes_the_result_line_not_the_archive() -> None:
    s = parse_gaussian_log(GAUSSIAN / "water_ccsdt.log")
    # " CCSD(T)= -0.75017760422D+02" (the archive's "CCSD(T)=-75.0177604" has fewer digits)
    assert s["energy_hartree"] == pytest.approx(-75.017760422, abs=1e-10)
    assert s["energy_method"] == "CCSD(T)"
    assert s["post_hf_energies_hartree"]["CCSD"] == pytest.approx(-75.017683639, abs=1e-9)
    assert s["scf_energy_hartree"] == pytest.approx(-74.9643287914, abs=1e-9)


def test_scf_only_logs_have_no_post_hf_energies() -> None:
    for name in ("dvb_sp.out", "water_hf_solvent_pcm.log"):
        s = parse_gaussian_log(GAUSSIAN / name)
        assert s["post_hf_energies_hartree"] is None
        assert s["energy_method"] is None and s["energy_hartree"] is None


# ---- thermochemistry ------------------------------------------------------------------------


def test_gaussian_thermochemistry_of_a_frequency_job() -> None:
    s = parse_gaussian_log(GAUSSIAN / "dvb_ir.out")
    # The block after "Temperature   298.150 Kelvin.  Pressure   1.00000 Atm."
    assert s["thermo_temperature_k"] == pytest.approx(298.15)
    assert s["thermo_pressure_atm"] == pytest.approx(1.0)
    assert s["zero_point_energy_hartree"] == pytest.approx(0.177132, abs=1e-6)
    assert s["thermal_energy_hartree"] == pytest.approx(-382.122251, abs=1e-6)
    assert s["enthalpy_hartree"] == pytest.approx(-382.121307, abs=1e-6)
    assert s["free_energy_hartree"] == pytest.approx(-382.164915, abs=1e-6)


def test_gaussian_logs_without_frequencies_have_no_thermochemistry() -> None:
    s = parse_gaussian_log(GAUSSIAN / "dvb_gopt.out")
    assert s["enthalpy_hartree"] is None and s["thermo_temperature_k"] is None


def test_xtb_thermochemistry_of_ethylene_carbonate_and_water() -> None:
    ec = parse_xtb_thermo((DATA / "qc" / "xtb_ec_ohess" / "xtb.out").read_text())
    # ":: zero point energy  0.071565947011 Eh", "| TOTAL ENTHALPY  -20.619042114209 Eh |"
    assert ec == {
        "zero_point_energy_hartree": pytest.approx(0.071565947011, abs=1e-12),
        "enthalpy_hartree": pytest.approx(-20.619042114209, abs=1e-12),
        "free_energy_hartree": pytest.approx(-20.653047855934, abs=1e-12),
        "thermo_temperature_k": pytest.approx(298.15),
    }
    water = parse_xtb_output(DATA / "qc" / "xtb_water_ohess" / "xtb.out")
    assert water["normal_termination"] is True
    assert water["zero_point_energy_hartree"] == pytest.approx(0.020125046264, abs=1e-12)
    assert water["enthalpy_hartree"] == pytest.approx(-5.046638309549, abs=1e-12)
    # H and G are totals: the electronic energy plus the table's "H(T)/Eh 0.239061E-01" and
    # "G(T)/Eh 0.250710E-02"
    energy = water["scf_energy_hartree"]
    assert water["enthalpy_hartree"] - energy == pytest.approx(0.0239061, abs=1e-7)
    assert water["free_energy_hartree"] - energy == pytest.approx(0.00250710, abs=1e-8)
    # Water's harmonic ZPE from its experimental harmonic frequencies (3832.2, 1648.5,
    # 3942.5 cm-1; Benedict, Gailar & Plyler, J. Chem. Phys. 24 (1956) 1139): 4711.6 cm-1 =
    # 0.021467 hartree. GFN2-xTB is within 7 % of it.
    assert water["zero_point_energy_hartree"] == pytest.approx(0.021467, rel=0.07)


def test_xtb_single_point_has_no_thermochemistry() -> None:
    assert parse_xtb_thermo(" * finished run on x\n") == {
        "zero_point_energy_hartree": None,
        "enthalpy_hartree": None,
        "free_energy_hartree": None,
        "thermo_temperature_k": None,
    }


def test_new_keys_reach_the_job_summary() -> None:
    spec = QCSpec.model_validate({"molecule": {"smiles": "O"}, "task": "opt_freq"})
    steps = plan_steps(spec, [("O", 0, 0, 0), ("H", 0.96, 0, 0), ("H", -0.24, 0.93, 0)])
    result = empty_step_summary(steps[0])
    result.update(normal_termination=True, enthalpy_hartree=-76.0, esp_charges=[-0.8, 0.4, 0.4])
    summary = combine(spec, "pyscf", steps, {"molecule": result})
    assert summary["enthalpy_hartree"] == -76.0
    assert summary["esp_charges"] == [-0.8, 0.4, 0.4]
    for key in ("thermo_temperature_k", "post_hf_energies_hartree", "energy_method"):
        assert key in summary


# ---- ESP charges --------------------------------------------------------------------------


WATER = np.array([[0.0, 0.0, 0.1173], [0.0, 0.7572, -0.4692], [0.0, -0.7572, -0.4692]])


def test_mk_grid_points_lie_on_the_shells_outside_every_atom() -> None:
    points = mk_grid(["O", "H", "H"], WATER)
    radii = np.array([MK_RADII["O"], MK_RADII["H"], MK_RADII["H"]])
    distances = np.linalg.norm(points[:, None, :] - WATER[None, :, :], axis=2)
    assert np.all(distances >= radii * MK_SCALES[0] - 1e-9)
    assert distances.min() == pytest.approx(MK_RADII["H"] * MK_SCALES[0], abs=0.05)
    assert np.all(distances.min(axis=1) <= radii.max() * MK_SCALES[-1] + 1e-9)
    assert 200 < len(points) < 600


def test_mk_grid_refuses_an_element_without_a_radius() -> None:
    with pytest.raises(ValueError, match="no Merz-Kollman radius for Xe"):
        mk_grid(["Xe"], np.zeros((1, 3)))


def test_fit_recovers_the_point_charges_that_made_the_potential() -> None:
    charges = np.array([-0.834, 0.417, 0.417])  # TIP3P
    coords = WATER * 1.8897
    points = mk_grid(["O", "H", "H"], WATER) * 1.8897
    distances = np.linalg.norm(points[:, None, :] - coords[None, :, :], axis=2)
    potential = (charges[None, :] / distances).sum(axis=1)
    fitted = fit_charges(coords, points, potential, 0.0)
    assert fitted == pytest.approx(charges, abs=1e-8)
    # the total-charge constraint holds for a potential it cannot fit exactly
    noisy = potential + 0.01 * np.sin(np.arange(len(points)))
    assert fit_charges(coords, points, noisy, 1.0).sum() == pytest.approx(1.0, abs=1e-12)


def test_gaussian_esp_block_layout() -> None:
    # tests/data has no captured Gaussian output with Pop=MK (see tests/data/gaussian/README.md):
    # the one public log found, repESP's methane_mk.log (GPL-3), is not copied into this MIT
    # project. These lines have its layout (charges invented) to pin the parser's reading.
    text = (
        " Fitting point charges to electrostatic potential\n"
        " Charges from ESP fit, RMS=   0.00119 RRMS=   0.09711:\n"
        " ESP charges:\n"
        "               1\n"
        "     1  O   -0.811005\n"
        "     2  H    0.405502\n"
        "     3  H    0.405503\n"
        " Sum of ESP charges =   0.00000\n"
    )
    assert parse_esp_charges(text) == [-0.811005, 0.405502, 0.405503]
    # an older layout: a charge/dipole line instead of "ESP charges:"
    older = text.replace(" ESP charges:\n", " Charge=   0.00000 Dipole=  0.0  0.0  1.9 Tot=  1.9\n")
    assert parse_esp_charges(older) == [-0.811005, 0.405502, 0.405503]
    assert parse_esp_charges(" Mulliken charges:\n     1  O   -0.8\n") is None


# ---- charges from a QC job for an MD species ---------------------------------------------


def test_charges_follow_the_atoms_between_two_smiles_of_one_molecule() -> None:
    # Ethanol as OCC: O, C, C, then H on O, 2 H on C1, 3 H on C2; as CCO: C, C, O, 3 H, 2 H, H.
    qc = [-0.6, 0.2, -0.3, 0.4, 0.01, 0.02, 0.08, 0.09, 0.1]
    mapped = map_charges("OCC", qc, "CCO")
    assert mapped[2] == -0.6 and mapped[1] == 0.2 and mapped[0] == -0.3
    assert mapped[8] == 0.4  # the hydroxyl H
    assert sorted(mapped[3:6]) == [0.08, 0.09, 0.1] and sorted(mapped[6:8]) == [0.01, 0.02]
    assert sum(mapped) == pytest.approx(sum(qc))


def test_charges_of_another_molecule_are_refused() -> None:
    with pytest.raises(ValueError, match="is not CCO"):
        map_charges("COC", [0.0] * 9, "CCO")
    with pytest.raises(ValueError, match="3 charges for the 9 atoms"):
        map_charges("CCO", [0.0] * 3, "CCO")


def test_charges_for_species_needs_esp_charges_and_a_smiles_molecule() -> None:
    spec = {"molecule": {"smiles": "O"}}
    with pytest.raises(ValueError, match="has no ESP charges"):
        charges_for_species(spec, {"mulliken_charges": [-0.6, 0.3, 0.3]}, "O")
    with pytest.raises(ValueError, match="given as XYZ"):
        charges_for_species({"molecule": {"xyz": "O 0 0 0"}}, {"esp_charges": [0.0]}, "O")
    assert charges_for_species(spec, {"esp_charges": [-0.8, 0.4, 0.4]}, "O") == [-0.8, 0.4, 0.4]


def _md(solvent: dict[str, object]) -> dict[str, object]:
    return {"salts": [{"name": "LiPF6", "concentration": 1.0}], "solvents": [solvent]}


def test_md_spec_takes_charges_for_a_smiles_solvent() -> None:
    spec = MDSpec.model_validate(_md({"smiles": "CO", "charges": [0.1, -0.6, 0, 0, 0.05, 0.45]}))
    assert spec.solvents[0].charges == [0.1, -0.6, 0, 0, 0.05, 0.45]


@pytest.mark.parametrize(
    ("solvent", "message"),
    [
        ({"smiles": "CO", "charges": [0.1, -0.1]}, "2 charges for 6 atoms of CO"),
        ({"smiles": "CO", "charges": [0.5, 0, 0, 0, 0, 0]}, r"add up to \+0\.5000 e, not to"),
        ({"smiles": "CO", "charges": [float("nan")] * 6}, "finite number"),
        ({"name": "EC", "charges": [0.0] * 10}, "only for SMILES solvents"),
        ({"name": "EC", "charges_from_job": 3}, "only for SMILES solvents"),
    ],
)
def test_md_spec_refuses_charges_that_do_not_fit(solvent: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        MDSpec.model_validate(_md(solvent))
    loc = caught.value.errors()[0]["loc"]
    assert loc[:2] == ("solvents", 0)
    if "smiles" in solvent:
        assert loc[2] == "charges"


def test_step_summary_lists_every_new_key_empty() -> None:
    empty = empty_step_summary(Step("m", QCSpec.model_fields["task"].default, 0, 1, ()))
    for key in (
        "enthalpy_hartree",
        "thermal_energy_hartree",
        "thermo_temperature_k",
        "thermo_pressure_atm",
        "post_hf_energies_hartree",
        "energy_method",
        "energy_hartree",
        "esp_charges",
        "esp_charges_method",
    ):
        assert empty[key] is None


# ---- the job's temperature ----------------------------------------------------------------


def test_a_temperature_other_than_298_reaches_every_engine() -> None:
    from molyte.engines.qc.gaussian import Attempt, route_line
    from molyte.engines.qc.pyscf_calc import pyscf_params
    from molyte.engines.qc.xtb import xtb_command, xtb_control

    warm = QCSpec.model_validate(
        {"molecule": {"smiles": "O"}, "task": "opt_freq", "temperature": 350}
    )
    room = QCSpec.model_validate({"molecule": {"smiles": "O"}, "task": "opt_freq"})
    assert room.temperature == 298.15
    step = plan_steps(warm, [("O", 0, 0, 0), ("H", 0.96, 0, 0), ("H", -0.24, 0.93, 0)])[0]
    assert "Temperature=350.00" in route_line(warm, step.task, Attempt(), False).split()
    assert "Temperature" not in route_line(room, step.task, Attempt(), False)
    assert pyscf_params(warm, step)["temperature_k"] == 350
    assert xtb_control(warm, step) == "$thermo\n    temp=350.00\n$end\n"
    assert xtb_command("xtb", warm, step)[-2:] == ["--input", "xcontrol"]
    assert xtb_control(room, step) is None and "--input" not in xtb_command("xtb", room, step)
    with pytest.raises(ValidationError, match="temperature"):
        QCSpec.model_validate({"molecule": {"smiles": "O"}, "temperature": 10})


def test_an_unresolved_charges_from_job_never_falls_back_to_am1bcc() -> None:
    from molyte.engines.md.composition import solvent_species
    from molyte.errors import InvalidInput

    spec = MDSpec.model_validate(_md({"smiles": "CCO", "charges_from_job": 7}))
    with pytest.raises(InvalidInput, match="charges_from_job was not resolved"):
        solvent_species(spec)
    given = MDSpec.model_validate(_md({"smiles": "CO", "charges": [0.1, -0.6, 0, 0, 0.05, 0.45]}))
    [species] = solvent_species(given)
    assert not species.library  # GAFF2 types with the given charges
    water = MDSpec.model_validate(_md({"smiles": "O", "charges": [-0.8, 0.4, 0.4]}))
    assert not solvent_species(water)[0].library  # not the library's SPC/E water


# ---- post-HF jobs on Gaussian ---------------------------------------------------------------


def test_post_hf_methods_run_on_gaussian_only_and_ccsd_t_as_a_single_point() -> None:
    from molyte.engines.qc.gaussian import Attempt, route_line

    mp2 = QCSpec.model_validate(
        {"molecule": {"smiles": "O"}, "task": "opt_freq", "method": "MP2", "engine": "gaussian"}
    )
    assert route_line(mp2, mp2.task, Attempt(), False).startswith("#p MP2/6-31G* Opt Freq")
    cc = QCSpec.model_validate(
        {"molecule": {"smiles": "O"}, "task": "sp", "method": "CCSD(T)", "basis": "cc-pVDZ",
         "engine": "gaussian"}
    )  # fmt: skip
    assert route_line(cc, cc.task, Attempt(), False) == "#p CCSD(T)/cc-pVDZ SP"
    refused = [
        ({"method": "MP2"}, "runs only on engine gaussian"),
        ({"method": "MP2", "engine": "pyscf"}, "runs only on engine gaussian"),
        ({"method": "CCSD(T)", "engine": "gaussian", "task": "opt"}, "single point only"),
        ({"method": "MP2", "engine": "gaussian", "dispersion": "GD3BJ"}, "no empirical dispersion"),
    ]
    for extra, message in refused:
        with pytest.raises(ValidationError, match=message):
            QCSpec.model_validate({"molecule": {"smiles": "O"}, **extra})


def test_a_gaussian_mp2_job_summary_names_its_mp2_energy(tmp_path: Path) -> None:
    from molyte.engines.base import EngineContext
    from molyte.engines.qc.gaussian import GaussianEngine

    spec = {
        "molecule": {"xyz": "O 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692"},
        "task": "sp",
        "method": "MP2",
        "basis": "STO-3G",
        "engine": "gaussian",
    }
    engine = GaussianEngine()
    engine.prepare(spec, tmp_path, EngineContext(python="python3", gaussian_bin="g16"))
    assert "#p MP2/STO-3G SP Pop=MK" in (tmp_path / "input.gjf").read_text()
    # the real MP2/STO-3G water log stands in for the run's output
    (tmp_path / "input.log").write_text((GAUSSIAN / "water_mp2.log").read_text())
    summary = engine.collect(tmp_path).summary
    assert summary["method"] == "MP2" and summary["normal_termination"] is True
    assert summary["scf_energy_hartree"] == pytest.approx(-74.9643287914, abs=1e-9)
    assert summary["energy_method"] == "MP2"
    assert summary["energy_hartree"] == pytest.approx(-75.002282127454, abs=1e-11)
    assert summary["post_hf_energies_hartree"] == {"MP2": pytest.approx(-75.002282127454)}
