"""Reference data shipped in the package: agreements and Parties (HS codes: test_hs.py)."""

from datetime import date

from originlink import reference


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
