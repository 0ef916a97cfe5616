import pytest

from molyte.errors import ConfigError, Forbidden
from molyte.storage.signing import UrlSigner


def test_signature_round_trip_and_is_hex_sha256() -> None:
    signer = UrlSigner("s3cret")
    sig = signer.sign("GET", ["object", "results/1/a.txt", "a.txt"], 2_000_000_000)
    assert len(sig) == 64 and int(sig, 16) >= 0
    signer.check("GET", ["object", "results/1/a.txt", "a.txt"], "2000000000", sig, now=1.0)


@pytest.mark.parametrize(
    ("method", "fields", "expires"),
    [
        ("PUT", ["object", "results/1/a.txt", "a.txt"], "2000000000"),  # method changed
        ("GET", ["object", "results/1/b.txt", "a.txt"], "2000000000"),  # key changed
        ("GET", ["object", "results/1/a.txt", "b.txt"], "2000000000"),  # filename changed
        ("GET", ["object", "results/1/a.txt", "a.txt"], "2000000001"),  # expiry extended
        ("GET", ["object", "results/1/a.txt"], "2000000000"),  # field dropped
    ],
)
def test_any_change_breaks_the_signature(method: str, fields: list[str], expires: str) -> None:
    signer = UrlSigner("s3cret")
    sig = signer.sign("GET", ["object", "results/1/a.txt", "a.txt"], 2_000_000_000)
    with pytest.raises(Forbidden, match="does not match"):
        signer.check(method, fields, expires, sig, now=1.0)


def test_expired_stripped_and_foreign_signatures_are_refused() -> None:
    signer = UrlSigner("s3cret")
    sig = signer.sign("GET", ["k"], 100)
    with pytest.raises(Forbidden, match="expired"):
        signer.check("GET", ["k"], "100", sig, now=101.0)
    with pytest.raises(Forbidden, match="missing"):
        signer.check("GET", ["k"], "100", None, now=1.0)
    with pytest.raises(Forbidden, match="missing"):
        signer.check("GET", ["k"], None, sig, now=1.0)
    with pytest.raises(Forbidden, match="malformed"):
        signer.check("GET", ["k"], "soon", sig, now=1.0)
    with pytest.raises(Forbidden, match="does not match"):
        UrlSigner("other").check("GET", ["k"], "100", sig, now=1.0)
    with pytest.raises(Forbidden) as caught:
        signer.check("GET", ["k"], "100", "é" * 64, now=1.0)
    assert caught.value.status_code == 403


def test_expiry_and_secret_are_checked() -> None:
    signer = UrlSigner("s3cret")
    assert signer.expiry(60, now=1000.5) == 1060
    with pytest.raises(ConfigError):
        signer.expiry(0)
    with pytest.raises(ConfigError):
        UrlSigner("")
