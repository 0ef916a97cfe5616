"""`molyte worker --check`: what a cluster admin would test by hand, one line per check."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from molyte.engines.registry import all_engines
from molyte.programs import find_program
from molyte.worker.app import BINARY_ENGINES, engine_context, engine_probes
from molyte.worker.config import WorkerConfig

SLURM_COMMANDS = ("sbatch", "squeue", "scancel", "scontrol")
SCHEDULER_COMMANDS: dict[str, tuple[str, ...]] = {
    "slurm": SLURM_COMMANDS,
    "sge": ("qsub", "qstat", "qacct", "qdel"),
    "pbs": ("qsub", "qstat", "qdel"),
    "lsf": ("bsub", "bjobs", "bkill"),
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def check_dns(host: str) -> Check:
    try:
        addrs = sorted({ai[4][0] for ai in socket.getaddrinfo(host, None)})
    except socket.gaierror as exc:
        return Check("dns", False, f"cannot resolve {host}: {exc.strerror}")
    return Check("dns", True, f"{host} -> {', '.join(str(a) for a in addrs[:4])}")


def check_server(cfg: WorkerConfig) -> Check:
    url = cfg.api.base_url.rstrip("/") + "/healthz"
    try:
        r = httpx.get(url, verify=cfg.verify, timeout=cfg.api.timeout)
    except httpx.ConnectError as exc:
        cause = exc.__cause__
        if isinstance(cause, ssl.SSLError) or "SSL" in str(exc) or "certificate" in str(exc):
            return Check("tls", False, f"TLS failed: {exc}. Set api.ca_bundle to your CA file")
        return Check("server", False, f"cannot connect to {url}: {exc}")
    except httpx.HTTPError as exc:
        return Check("server", False, f"{url}: {exc}")
    tls = "TLS verified" if url.startswith("https") and cfg.verify else "no TLS check"
    if r.status_code != 200:
        return Check("server", False, f"{url} answered HTTP {r.status_code}")
    return Check("server", True, f"{url} is healthy ({tls})")


def check_token(cfg: WorkerConfig) -> Check:
    url = cfg.api.base_url.rstrip("/") + "/api/v1/auth/me"
    try:
        r = httpx.get(
            url,
            verify=cfg.verify,
            timeout=cfg.api.timeout,
            headers={"Authorization": f"Bearer {cfg.api.worker_token}"},
        )
    except httpx.HTTPError as exc:
        return Check("token", False, f"{url}: {exc}")
    if r.status_code == 401:
        return Check(
            "token",
            False,
            "the server refused the token (401): wrong, revoked or "
            "expired; create one with `molyte worker-token create NAME`",
        )
    if r.status_code != 200:
        return Check("token", False, f"{url} answered HTTP {r.status_code}")
    role = r.json().get("role")
    if role not in ("WORKER", "ADMIN"):
        return Check("token", False, f"the token's role is {role}; a worker needs WORKER (403)")
    return Check("token", True, f"accepted as {r.json().get('username')} (role {role})")


def check_scheduler(cfg: WorkerConfig) -> Check:
    if cfg.scheduler.type == "local":
        return Check("scheduler", True, "local scheduler (subprocesses on this machine)")
    kind = cfg.scheduler.type
    commands = SCHEDULER_COMMANDS[kind]
    missing = [c for c in commands if find_program(c) is None]
    if missing:
        return Check("scheduler", False, f"{kind} commands not on PATH: {', '.join(missing)}")
    return Check("scheduler", True, f"{kind}: " + ", ".join(commands) + " found")


def check_engines(cfg: WorkerConfig) -> list[Check]:
    """One line per engine: available or not, and for an engine with modules what was
    loaded (or the module error), its env, and where its binary was found."""
    probes = engine_probes(cfg, report=False)
    ctx = engine_context(cfg, probes)
    out = []
    for name, engine in sorted(all_engines().items()):
        if engine.job_type.value not in cfg.worker.job_types:
            continue
        ok = name not in ctx.missing and engine.available(ctx)
        setup = cfg.engine_setup(name)
        parts = []
        if setup.modules:
            parts.append("modules " + " ".join(setup.modules))
        if setup.env:
            parts.append("env " + " ".join(f"{k}={v}" for k, v in setup.env.items()))
        probe = probes.get(name)
        if probe is not None and probe.path is None:
            parts.append(probe.error)
        elif ok and name in BINARY_ENGINES:
            parts.append("binary " + getattr(ctx, f"{name}_bin"))
        detail = ("available" if ok else "not found: not advertised") + "".join(
            f"; {p}" for p in parts
        )
        out.append(Check(f"engine {name}", ok, detail, required=False))
    if not any(c.ok for c in out):
        out.append(Check("engines", False, "no engine is available: nothing can run here"))
    return out


def run_checks(cfg: WorkerConfig) -> list[Check]:
    host = urlsplit(cfg.api.base_url).hostname or ""
    checks = [check_dns(host)]
    if checks[0].ok:
        checks.append(check_server(cfg))
        if checks[-1].ok:
            checks.append(check_token(cfg))
    checks.append(check_scheduler(cfg))
    checks.extend(check_engines(cfg))
    return checks
