"""MDSpec validation: clear errors naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from molyte.domain.md_spec import SALTS, SOLVENTS, MDSpec
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobType
from molyte.engines.md.composition import preview
from molyte.engines.md.library import library_catalog, salt_names, solvent_names

EXAMPLE = Path(__file__).parents[3] / "examples" / "md-job.json"


def spec(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "salts": [{"name": "LiPF6", "concentration": 1.0}],
        "solvents": [{"name": "EC"}, {"name": "DMC"}],
    }
    base.update(overrides)
    return base


def errors(data: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        MDSpec.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_example_job_is_a_valid_md_job() -> None:
    body = json.loads(EXAMPLE.read_text())
    assert body["type"] == "MD" and body["name"] and body["priority"] == 0
    md = parse_spec(JobType.MD, body["spec"])
    assert isinstance(md, MDSpec)
    assert md.preset == "fast" and md.salt_pairs is not None and md.salt_pairs <= 10


def test_invalid_smiles_is_refused_naming_the_field() -> None:
    found = errors(spec(solvents=[{"smiles": "C1CC(", "ratio": 1}]))
    assert found[0][0] == "solvents.0.smiles"
    assert "RDKit cannot parse" in found[0][1]


def test_unknown_salt_is_refused() -> None:
    found = errors(spec(salts=[{"name": "LiXYZ", "concentration": 1}]))
    assert found[0][0] == "salts.0.name"
    assert "unknown salt 'LiXYZ'" in found[0][1] and "LiPF6" in found[0][1]


@pytest.mark.parametrize(
    ("solvent", "words"),
    [
        ({"smiles": "CCO.O"}, "one molecule"),
        ({"smiles": "[Li]OC"}, "GAFF2 has no parameters for Li"),
        ({"smiles": "C[CH2]"}, "radicals"),
        ({"name": "EC", "density": 1.3}, "density is only for SMILES"),
        ({"name": "EC", "smiles": "O=C1OCCO1"}, "exactly one of name or smiles"),
        ({"name": "THF"}, "unknown solvent"),
    ],
)
def test_bad_solvents_are_refused(solvent: dict[str, object], words: str) -> None:
    found = errors(spec(solvents=[solvent]))
    assert words in found[0][1]


def test_unknown_solvent_name_names_the_field() -> None:
    found = errors(spec(solvents=[{"name": "EC"}, {"name": "EC\nshell id"}]))
    assert found[0][0] == "solvents.1.name" and "unknown solvent" in found[0][1]


def test_size_is_salt_pairs_or_box_length() -> None:
    assert "not both" in errors(spec(salt_pairs=10, box_length=30))[0][1]
    assert MDSpec.model_validate(spec(box_length=30)).box_length == 30


def test_presets_and_explicit_stages() -> None:
    fast = MDSpec.model_validate(spec(preset="fast"))
    assert fast.effective_stages.npt_ps == 20
    mine = MDSpec.model_validate(spec(stages={"npt_ps": 5, "nvt_ps": 7, "anneal_ps": 2}))
    assert mine.effective_stages.nvt_ps == 7


def test_spec_lists_equal_the_library() -> None:
    assert set(SALTS) == set(salt_names())
    assert set(SOLVENTS) == set(solvent_names())


def test_library_catalog_has_full_names_and_data() -> None:
    catalog = library_catalog()
    ec = next(s for s in catalog["solvents"] if s["name"] == "EC")
    assert ec == {
        "name": "EC", "full_name": "ethylene carbonate", "smiles": "O=C1OCCO1",
        "density": 1.321, "molar_mass": 88.062,
    }  # fmt: skip
    salt = next(s for s in catalog["salts"] if s["name"] == "LiTFSI")
    assert salt["cation"] == "Li" and salt["anion"] == "TFSI" and "imide" in salt["full_name"]
    assert all(s["full_name"] and s["density"] > 0.5 for s in catalog["solvents"])


def test_salt_free_spec_and_its_size_fields() -> None:
    neat = MDSpec.model_validate({"salts": [], "solvents": [{"name": "EC"}], "molecules": 50})
    assert neat.salts == [] and neat.molecules == 50
    with pytest.raises(ValidationError, match="salt_pairs needs salts"):
        MDSpec.model_validate({"salts": [], "solvents": [{"name": "EC"}], "salt_pairs": 5})
    with pytest.raises(ValidationError, match="molecules sizes a salt-free box"):
        MDSpec.model_validate(
            {"salts": [{"name": "LiPF6", "concentration": 1}], "solvents": [{"name": "EC"}],
             "molecules": 50}
        )  # fmt: skip
    with pytest.raises(ValidationError, match="molecules or box_length"):
        MDSpec.model_validate(
            {"salts": [], "solvents": [{"name": "EC"}], "molecules": 50, "box_length": 30}
        )


def test_new_salts_and_ionic_liquids_are_allowed_names() -> None:
    spec = MDSpec.model_validate(
        {"salts": [{"name": "Mg(TFSI)2", "concentration": 0.5}],
         "solvents": [{"name": "[C4mpyr][TFSI]"}, {"name": "TTE"}]}
    )  # fmt: skip
    assert spec.salts[0].name == "Mg(TFSI)2"
    salts = [{"name": "LiBOB", "concentration": 0.5}, {"name": "LiDFOB", "concentration": 0.5}]
    borates = MDSpec.model_validate({"salts": salts, "solvents": [{"name": "PC"}]})
    assert [s.name for s in borates.salts] == ["LiBOB", "LiDFOB"]
    with pytest.raises(ValidationError, match="unknown salt 'KBOB'"):
        MDSpec.model_validate(
            {"salts": [{"name": "KBOB", "concentration": 1}], "solvents": [{"name": "EC"}]}
        )


@pytest.mark.parametrize("name", ["md-ionic-liquid-job.json", "md-neat-solvent-job.json"])
def test_new_chemistry_examples_are_valid_and_neutral(name: str) -> None:
    body = json.loads((EXAMPLE.parent / name).read_text())
    md = parse_spec(JobType.MD, body["spec"])
    assert isinstance(md, MDSpec)
    result = preview(md)
    assert result["total_charge"] == 0 and result["atoms"] > 100  # type: ignore[operator]


def test_concentration_basis_is_optional_and_checked() -> None:
    base = {"salts": [{"name": "LiPF6", "concentration": 1}], "solvents": [{"name": "PC"}]}
    assert MDSpec.model_validate(base).concentration_basis == "solvent"  # stored jobs: as before
    for basis in ("solvent", "solution", "molal"):
        spec = MDSpec.model_validate({**base, "concentration_basis": basis})
        assert spec.concentration_basis == basis
    with pytest.raises(ValidationError, match="concentration_basis") as info:
        MDSpec.model_validate({**base, "concentration_basis": "molar"})
    assert "'solvent', 'solution' or 'molal'" in str(info.value)
    # a salt-free box has no concentration to count: only the default passes
    neat = {"salts": [], "solvents": [{"name": "PC"}]}
    assert MDSpec.model_validate({**neat, "concentration_basis": "solvent"}).salts == []
    with pytest.raises(ValidationError, match="a salt-free box"):
        MDSpec.model_validate({**neat, "concentration_basis": "molal"})


def test_ion_charge_scale_defaults_from_the_composition_and_is_stored() -> None:
    # salts in molecular solvents: 0.8 (the validated transport choice)
    assert MDSpec.model_validate(spec()).ion_charge_scale == 0.8
    # an ionic liquid among the solvents keeps CL&P's full charges, as does a box with no salt
    il = spec(solvents=[{"name": "[EMIM][TFSI]"}, {"name": "EC"}])
    assert MDSpec.model_validate(il).ion_charge_scale == 1.0
    neat = {"salts": [], "solvents": [{"name": "[BMIM][BF4]"}], "molecules": 50}
    assert MDSpec.model_validate(neat).ion_charge_scale == 1.0
    # a scale the request gives is kept, whatever the composition
    assert MDSpec.model_validate(spec(ion_charge_scale=1.0)).ion_charge_scale == 1.0
    assert MDSpec.model_validate({**il, "ion_charge_scale": 0.7}).ion_charge_scale == 0.7
    # stored: the dumped spec carries the scale, so an older worker runs the same model
    dumped = MDSpec.model_validate(spec()).model_dump(mode="json")
    assert dumped["ion_charge_scale"] == 0.8
    assert MDSpec.model_validate(dumped) == MDSpec.model_validate(spec())
    # malformed lists are left to validation, which names the field
    assert any(loc == "solvents" for loc, _ in errors(spec(solvents=5)))
    assert any(loc.startswith("solvents.0") for loc, _ in errors(spec(solvents=[{"name": ["x"]}])))
