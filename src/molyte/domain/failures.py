"""Named failure reasons. Only science failures use up a job's retry budget."""

from __future__ import annotations

import signal
from enum import StrEnum


class FailureReason(StrEnum):
    # infrastructure: the job itself may be fine
    TIMEOUT = "TIMEOUT"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"
    NODE_FAIL = "NODE_FAIL"
    PREEMPTED = "PREEMPTED"
    BOOT_FAIL = "BOOT_FAIL"
    DEADLINE = "DEADLINE"
    WORKER_LOST = "WORKER_LOST"
    SCHEDULER_ERROR = "SCHEDULER_ERROR"
    SUBMIT_FAILED = "SUBMIT_FAILED"
    DISK_FULL = "DISK_FULL"
    UPLOAD_FAILED = "UPLOAD_FAILED"
    ENGINE_UNAVAILABLE = "ENGINE_UNAVAILABLE"
    MAX_ATTEMPTS = "MAX_ATTEMPTS"
    # the job's own script or science
    SCRIPT_FAILED = "SCRIPT_FAILED"
    INVALID_INPUT = "INVALID_INPUT"
    RESOURCES_EXCEEDED = "RESOURCES_EXCEEDED"
    BUILD_FAILED = "BUILD_FAILED"
    ANALYSIS_FAILED = "ANALYSIS_FAILED"
    LOST_ATOMS = "LOST_ATOMS"
    BOND_ATOMS_MISSING = "BOND_ATOMS_MISSING"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NAN_ENERGY = "NAN_ENERGY"
    SCF_NOT_CONVERGED = "SCF_NOT_CONVERGED"
    OPT_NOT_CONVERGED = "OPT_NOT_CONVERGED"
    LINK9999 = "LINK9999"
    QC_MEMORY = "QC_MEMORY"
    WRONG_CHARGE_MULTIPLICITY = "WRONG_CHARGE_MULTIPLICITY"
    BASIS_NOT_FOUND = "BASIS_NOT_FOUND"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_infrastructure(self) -> bool:
        return self in INFRASTRUCTURE_FAILURES


INFRASTRUCTURE_FAILURES = frozenset(
    {
        FailureReason.TIMEOUT,
        FailureReason.OUT_OF_MEMORY,
        FailureReason.NODE_FAIL,
        FailureReason.PREEMPTED,
        FailureReason.BOOT_FAIL,
        FailureReason.DEADLINE,
        FailureReason.WORKER_LOST,
        FailureReason.SCHEDULER_ERROR,
        FailureReason.SUBMIT_FAILED,
        FailureReason.DISK_FULL,
        FailureReason.UPLOAD_FAILED,
        FailureReason.ENGINE_UNAVAILABLE,
    }
)

# Plain words for the UI and the job timeline.
DESCRIPTIONS: dict[FailureReason, str] = {
    FailureReason.TIMEOUT: "The job ran past its time limit.",
    FailureReason.OUT_OF_MEMORY: "The job ran out of memory.",
    FailureReason.NODE_FAIL: "The compute node failed.",
    FailureReason.PREEMPTED: "The scheduler preempted the job.",
    FailureReason.BOOT_FAIL: "The compute node failed to boot.",
    FailureReason.DEADLINE: "The job missed its scheduler deadline.",
    FailureReason.WORKER_LOST: "The worker running the job stopped answering.",
    FailureReason.SCHEDULER_ERROR: "The scheduler reported an error.",
    FailureReason.SUBMIT_FAILED: "The batch job could not be submitted.",
    FailureReason.DISK_FULL: "The work directory's disk is full.",
    FailureReason.UPLOAD_FAILED: "The results could not be uploaded.",
    FailureReason.ENGINE_UNAVAILABLE: "The requested engine is not installed on the worker.",
    FailureReason.MAX_ATTEMPTS: "The job failed too many times.",
    FailureReason.SCRIPT_FAILED: "The batch script exited with an error.",
    FailureReason.INVALID_INPUT: "The job's input could not be built.",
    FailureReason.RESOURCES_EXCEEDED: "The job asks for more than the worker's partition allows.",
    FailureReason.BUILD_FAILED: "The simulation system could not be built.",
    FailureReason.ANALYSIS_FAILED: "The analysis of the results failed.",
    FailureReason.LOST_ATOMS: "LAMMPS lost atoms: the system blew up.",
    FailureReason.BOND_ATOMS_MISSING: "LAMMPS lost the atoms of a bond: the system blew up.",
    FailureReason.OUT_OF_RANGE: "LAMMPS found atoms out of range.",
    FailureReason.NAN_ENERGY: "The energy became NaN.",
    FailureReason.SCF_NOT_CONVERGED: "The SCF did not converge.",
    FailureReason.OPT_NOT_CONVERGED: "The geometry optimisation did not converge.",
    FailureReason.LINK9999: "Gaussian stopped in link 9999 (optimisation ran out of steps).",
    FailureReason.QC_MEMORY: "The quantum chemistry program ran out of memory.",
    FailureReason.WRONG_CHARGE_MULTIPLICITY: "Charge and multiplicity do not fit the molecule.",
    FailureReason.BASIS_NOT_FOUND: "The basis set is not available for an element.",
    FailureReason.CANCELLED: "The job was cancelled.",
    FailureReason.UNKNOWN: "The job failed for an unknown reason.",
}

# Failures after which the server puts the job back in the queue by itself (while attempts
# remain): the job was fine, the machine was not. TIMEOUT and OUT_OF_MEMORY are not here:
# they would happen again with the same resources.
REQUEUE_REASONS = frozenset(
    {
        FailureReason.NODE_FAIL,
        FailureReason.PREEMPTED,
        FailureReason.BOOT_FAIL,
        FailureReason.WORKER_LOST,
        FailureReason.SCHEDULER_ERROR,
    }
)


def describe_exit(status: int) -> str:
    """An exit status in words; above 128 it is the shell's way of saying "killed by signal N"."""
    if status > 128:
        try:
            name = f", {signal.Signals(status - 128).name}"
        except ValueError:
            name = ""
        return f"exit status {status}: killed by signal {status - 128}{name}"
    return f"exit status {status}"
