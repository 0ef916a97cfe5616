"""Names of result files and the object keys they are stored under.

A result name is one path segment chosen by the worker; the server checks it before it reaches
a key, a URL, a file on disk or a `Content-Disposition` header.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from molyte.errors import InvalidInput

MAX_NAME_BYTES = 200
MAX_KEY_BYTES = 1024
RESULTS_PREFIX = "results"
MAX_PART_NUMBER = 10_000
LEASE_SEGMENT_HEX = 24
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_STORAGE_PREFIX = re.compile(r"[0-9a-f]{1,32}")

# Cc control, Cf format (bidi overrides, zero-width), Cs/Co/Cn surrogates, private, unassigned;
# Zl/Zp line and paragraph separators break headers and log lines just like "\n".
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _bad_character(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def validate_result_name(name: str) -> str:
    """Return `name` if it is a safe result file name, else raise InvalidInput saying why."""
    if not isinstance(name, str) or not name:
        raise InvalidInput("result name must not be empty")
    if len(name.encode("utf-8", errors="surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidInput(f"result name is longer than {MAX_NAME_BYTES} bytes of UTF-8")
    if "/" in name or "\\" in name:
        raise InvalidInput(f"result name {name!r} must not contain '/' or '\\'")
    if ".." in name:
        raise InvalidInput(f"result name {name!r} must not contain '..'")
    if name.startswith("."):
        raise InvalidInput(f"result name {name!r} must not start with '.'")
    bad = _bad_character(name)
    if bad is not None:
        raise InvalidInput(f"result name contains the control or format character {bad}")
    if name != name.strip():
        raise InvalidInput(f"result name {name!r} must not start or end with whitespace")
    return name


def job_prefix(job_id: int) -> str:
    """The key prefix of everything ever stored for one job: `results/<job id>/`."""
    if isinstance(job_id, bool) or not isinstance(job_id, int) or job_id <= 0:
        raise InvalidInput(f"job id must be a positive integer, got {job_id!r}")
    return f"{RESULTS_PREFIX}/{job_id}/"


def result_prefix(job_id: int, storage_prefix: str) -> str:
    """The prefix of one job's results and of its zip link: `results/<id>/<storage prefix>/`.
    The storage prefix is random per job, so no link made for one job can name another."""
    if not _STORAGE_PREFIX.fullmatch(storage_prefix or ""):
        raise InvalidInput("storage prefix must be 1-32 lowercase hex digits")
    return f"{job_prefix(job_id)}{storage_prefix}/"


def lease_segment(lease_token: str) -> str:
    """The key segment of one lease: a hash of its token (the token itself stays secret)."""
    return hashlib.sha256(lease_token.encode()).hexdigest()[:LEASE_SEGMENT_HEX]


def lease_prefix(job_id: int, storage_prefix: str, lease_token: str) -> str:
    """Where the holder of one lease uploads: `results/<id>/<storage prefix>/<lease>/`. A
    worker whose lease was taken away can only write under its own old lease, which nothing
    registered or served ever names."""
    return f"{result_prefix(job_id, storage_prefix)}{lease_segment(lease_token)}/"


def result_key(prefix: str, name: str) -> str:
    """The object key of one result file: `<lease prefix><name>` after validating both."""
    if not prefix.startswith(f"{RESULTS_PREFIX}/") or not prefix.endswith("/"):
        raise InvalidInput(f"result prefix {prefix!r} must be results/.../")
    return validate_prefix(prefix) + validate_result_name(name)


def validate_key(key: str) -> str:
    """Return `key` if every `/`-separated segment is a plain name, else raise InvalidInput.

    Stores call this again on every key so that nothing can name a path outside their root,
    whatever the caller checked before.
    """
    if not isinstance(key, str) or not key:
        raise InvalidInput("object key must not be empty")
    if len(key.encode("utf-8", errors="surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidInput(f"object key is longer than {MAX_KEY_BYTES} bytes")
    if "\\" in key:
        raise InvalidInput(f"object key {key!r} must not contain '\\'")
    bad = _bad_character(key)
    if bad is not None:
        raise InvalidInput(f"object key contains the control or format character {bad}")
    for segment in key.split("/"):
        if not segment or segment.startswith(".") or segment != segment.strip():
            raise InvalidInput(f"object key {key!r} has an empty, dotted or padded segment")
    return key


def validate_prefix(prefix: str) -> str:
    """Return `prefix` (a key, optionally ending in `/`) if valid, else raise InvalidInput."""
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def filename_of(key: str) -> str:
    """The last segment of a key, used as the download file name."""
    return key.rsplit("/", 1)[-1]


def check_sha256_hex(sha256: str) -> str:
    """Return a lowercase 64-digit hex sha256, else raise InvalidInput."""
    value = sha256.lower() if isinstance(sha256, str) else ""
    if not _SHA256_HEX.fullmatch(value):
        raise InvalidInput("sha256 must be 64 hexadecimal digits")
    return value


def check_part_number(part_number: int) -> int:
    """Return a part number in S3's range 1..10000, else raise InvalidInput."""
    if isinstance(part_number, bool) or not 1 <= part_number <= MAX_PART_NUMBER:
        raise InvalidInput(f"part number must be between 1 and {MAX_PART_NUMBER}")
    return part_number


def content_disposition(filename: str) -> str:
    """An `attachment` header value for a validated file name (RFC 6266 with UTF-8 form)."""
    name = validate_result_name(filename)
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
