import pytest

from molyte.errors import InvalidInput
from molyte.storage.keys import (
    content_disposition,
    lease_prefix,
    result_key,
    result_prefix,
    validate_key,
    validate_prefix,
    validate_result_name,
)


@pytest.mark.parametrize(
    "name",
    ["log.lammps", "rdf.csv", "final structure.pdb", "電解質.xyz", "a" * 200, "x-1_2.tar.gz"],
)
def test_good_names_are_kept(name: str) -> None:
    assert validate_result_name(name) == name
    assert result_key("results/7/ab/cd/", name) == f"results/7/ab/cd/{name}"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("../etc/passwd", "'/'"),
        ("a/b", "'/'"),
        ("a\\b", "'/'"),
        ("..", "'..'"),
        ("x..y", "'..'"),
        (".hidden", "start with '.'"),
        ("a\x00b", "U+0000"),
        ("line\nbreak", "U+000A"),
        ("bidi\u202etxt.exe", "U+202E"),
        ("zero\u200bwidth", "U+200B"),
        ("para\u2029sep", "U+2029"),
        (" padded", "whitespace"),
        ("é" * 101, "200 bytes"),
    ],
)
def test_bad_names_are_refused_with_a_reason(name: str, why: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_result_name(name)
    assert why in caught.value.message
    assert caught.value.status_code == 422


def test_name_limit_counts_utf8_bytes_not_characters() -> None:
    assert validate_result_name("é" * 100) == "é" * 100  # 200 bytes
    with pytest.raises(InvalidInput):
        validate_result_name("a" * 201)


@pytest.mark.parametrize("job_id", [0, -3, True, "5"])
def test_job_id_must_be_a_positive_int(job_id: object) -> None:
    with pytest.raises(InvalidInput):
        result_prefix(job_id, "ab")  # type: ignore[arg-type]


def test_upload_keys_are_per_job_prefix_and_per_lease() -> None:
    first = lease_prefix(7, "ab12", "lease-one")
    assert first.startswith("results/7/ab12/") and first.endswith("/")
    assert "lease-one" not in first  # the lease token stays secret
    assert lease_prefix(7, "ab12", "lease-two") != first
    assert lease_prefix(7, "cd34", "lease-one") != first
    for bad in ("", "AB", "../x", "a" * 33):
        with pytest.raises(InvalidInput):
            result_prefix(7, bad)


@pytest.mark.parametrize(
    "key", ["", "/abs", "a//b", "a/../b", "a/./b", "a/.b", "results/1/", "a\\b", "a/\x7f"]
)
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        validate_key(key)


def test_prefix_may_end_with_slash() -> None:
    assert validate_prefix("results/3/") == "results/3/"
    with pytest.raises(InvalidInput):
        validate_prefix("results/../")


def test_content_disposition_has_ascii_and_utf8_forms() -> None:
    assert (
        content_disposition("rdf.csv")
        == "attachment; filename=\"rdf.csv\"; filename*=UTF-8''rdf.csv"
    )
    value = content_disposition('電"x.txt')
    assert 'filename="?_x.txt"' in value
    assert "filename*=UTF-8''%E9%9B%BB%22x.txt" in value
