"""Reference data shipped in the package: HS editions, correlation, agreements and Parties."""

from datetime import date

import pytest

from originlink import reference


@pytest.mark.parametrize(
    "code, edition, expected",
    [
        ("940360", "HS2022", True),
        ("9403.60", "HS2022", True),
        ("940390", "HS2012", True),
        ("940390", "HS2022", False),  # split into 9403.91/.99 in HS 2022
        ("940391", "HS2022", True),
        ("854900", "HS2022", False),  # 85.49 is a heading, its subheadings are 8549xx
        ("854911", "HS2022", True),  # e-waste, new in HS 2022
        ("854911", "HS2017", False),
        ("851712", "HS2012", True),
        ("851712", "HS2022", False),  # became 8517.13/.14 in HS 2022
        ("999999", "HS2022", False),  # Comtrade placeholder, not a real code
        ("94", "HS2017", True),
        ("abc", "HS2022", False),
        ("940360", "HS1996", False),  # unknown edition: not found, no exception
    ],
)
def test_hs_exists(code, edition, expected):
    assert reference.hs_exists(code, edition) is expected


def test_hs_sizes_and_description():
    assert sum(len(c) == 6 for c in reference.hs_table("HS2022")) == 5612
    assert sum(len(c) == 6 for c in reference.hs_table("HS2017")) == 5387
    assert sum(len(c) == 6 for c in reference.hs_table("2012")) == 5205
    assert reference.hs_description("940360", "HS2022").startswith("Furniture; wooden")
    assert reference.hs_description("000000", "HS2022") is None


def test_hs_table_unknown_edition():
    with pytest.raises(ValueError, match="unknown HS edition"):
        reference.hs_table("HS1988")


def test_correlation_hs2022_to_hs2012():
    table = reference.hs2022_to_hs2012()
    assert ("940360", "1:1") in table["940360"]
    assert {code for code, _ in table["851713"]} == {"851712"}


def test_rcep_parties_and_dates():
    parties = {p.code: p.entry_into_force for p in reference.parties("RCEP")}
    assert len(parties) == 15
    assert parties["CN"] == date(2022, 1, 1)
    assert parties["KR"] == date(2022, 2, 1)
    assert parties["MY"] == date(2022, 3, 18)
    assert parties["MM"] == date(2022, 5, 1)
    assert parties["ID"] == date(2023, 1, 2)
    assert parties["PH"] == date(2023, 6, 2)
    assert reference.parties("NOPE") == []


def test_agreement_is_data():
    rcep = reference.agreement("RCEP")
    assert rcep.criteria == ["WO", "PE", "CTC", "RVC", "CR", "ACU", "DMI"]
    assert rcep.fob_required_criteria == ["RVC"]
    assert str(rcep.rvc_threshold) == "40"
    assert rcep.validity_months == 12
    assert rcep.applies_between("CN", "MM")
    reference.set_non_applying_pairs("RCEP", [("AU", "MM")])
    assert not rcep.applies_between("MM", "AU")
    assert rcep.applies_between("CN", "MM")
