from originlink.model import check_certificate

from .conftest import TODAY


def problems(data, today=TODAY):
    cert, found = check_certificate(data, today=today)
    return found


def codes(data, today=TODAY) -> set[str]:
    return {p.code for p in problems(data, today)}


def assert_valid(data, today=TODAY):
    found = problems(data, today)
    assert found == [], [p.model_dump() for p in found]


def assert_problem(data, code, path=None, today=TODAY):
    found = problems(data, today)
    hits = [p for p in found if p.code == code]
    assert hits, f"expected {code}, got {[p.model_dump() for p in found]}"
    for p in hits:
        assert p.article, f"problem {code} names no article"
        assert p.message
    if path is not None:
        assert path in {p.path for p in hits}, [p.path for p in hits]
    return hits
