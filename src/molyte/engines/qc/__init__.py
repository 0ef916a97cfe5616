"""Quantum chemistry engines: Gaussian 16 (`gaussian`), PySCF (`pyscf`) and xtb (`xtb`).

Every engine writes the same `summary.json` in the work dir, and `final.xyz` with the final
geometry. Keys (values are null when a calculation does not produce them):

- `engine` ("gaussian" | "pyscf" | "xtb"), `task` ("sp" | "opt" | "opt_freq" |
  "binding_energy" | "redox"), `method`, `basis` (null for xtb), `dispersion`,
  `solvation` `{model: "none"|"pcm"|"smd", solvent, epsilon, engine_model}` (`engine_model`
  is what the engine ran: IEFPCM/SMD in Gaussian, IEF-PCM/SMD in PySCF, ALPB in xtb),
  `charge`, `multiplicity`
- `normal_termination` (bool; false if any step failed), `failure_reason` (a
  `molyte.domain.failures.FailureReason` value or null), `message`
- `scf_energy_hartree` (final SCF/total energy; HF for a post-HF Gaussian job)
- post-HF (Gaussian logs): `post_hf_energies_hartree` `{method: total energy}` for each of MP2,
  MP3, MP4(DQ), MP4(SDQ), MP4(SDTQ), CCSD, CCSD(T) the log prints; `energy_method` (the
  highest of them) and `energy_hartree` (its energy); all null without post-HF energies
- thermochemistry (frequency steps, at the spec's `temperature`, 1 atm):
  `zero_point_energy_hartree` (ZPE correction), `enthalpy_hartree`, `free_energy_hartree` and
  `thermal_energy_hartree` (totals: electronic energy plus the thermal correction; no thermal
  energy from xtb), `thermo_temperature_k`, `thermo_pressure_atm` (null from xtb)
- `esp_charges` (electrostatic-potential charges, one per atom in the job's atom order; PySCF's
  Merz-Kollman fit in `esp.py`, Gaussian's `Pop=MK` fit) and `esp_charges_method`;
  `resp_charges` and `resp_charges_method` (two-stage RESP fit to the same potential,
  `resp.py`; PySCF jobs whose spec has `charges: "resp"`)
- `homo_ev`, `lumo_ev`, `gap_ev` (over both spins), `dipole_debye` (magnitude) and
  `dipole_vector_debye`, `mulliken_charges` (one per atom)
- `frequencies_cm1` (3N-6 harmonic frequencies, imaginary ones as negative numbers),
  `imaginary_frequencies` (the negative ones), `ir_intensities` (km/mol, one per frequency;
  Gaussian and xtb only)
- `geometry`: `[[element, x, y, z], ...]` in Angstrom
- compound tasks: `steps` `{step name: the keys above for that step}`; the top-level keys are
  those of the main step (the complex for binding_energy, the N-electron state for redox), plus
  `binding_energy_kcal_mol`, `binding_energy_hartree`, `binding_energy_definition`, or
  `redox_potential_v` (vs Li/Li+), `redox_potential_absolute_v`, `redox_delta_g_ev`,
  `redox_kind`, `redox_reference` (see `molyte.engines.qc.steps` for the reference potential).

Entry points: `QC_ENGINES`, `select_engine`, `engines_available` (`registry.py`; PySCF and xtb
are in `runner_engines.py`, Gaussian in `gaussian.py`), the runner
`python -m molyte.engines.qc.run DIR` (`run.py`) and the `molyte qc` commands (`cli.py`).
"""
