"""originlink.hs: one home for HS codes — compact/validate/format, editions, the nomenclature
and the HS 2022 -> HS 2012 correlation (Issue 15.3), and one code however it is written
(Issue 14.9)."""

import doctest

import pytest

from originlink import hs


def test_doctests():
    result = doctest.testmod(hs)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize("written", ["9403.60", "9403 60", "940360", " 9403.60\n", "94 03 60"])
def test_one_code_however_it_is_written(written):
    assert hs.compact(written) == "940360"
    assert hs.validate(written, "HS2022") == "940360"
    assert hs.format(written) == "9403.60"


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
        ("94.03", "HS2017", True),
        ("abc", "HS2022", False),
        ("940360", "HS1996", False),  # unknown edition: not found, no exception
    ],
)
def test_exists(code, edition, expected):
    assert hs.exists(code, edition) is expected


@pytest.mark.parametrize(
    "code, error, stable",
    [
        ("94036", hs.InvalidLength, "hs_code_bad_length"),
        ("9403600", hs.InvalidLength, "hs_code_bad_length"),
        ("9403-60", hs.InvalidFormat, "hs_code_bad_format"),
        ("", hs.InvalidFormat, "hs_code_bad_format"),
        ("٩٤٠٣٦٠", hs.InvalidFormat, "hs_code_bad_format"),  # Arabic-Indic digits: not ASCII
        (940360, hs.InvalidFormat, "hs_code_bad_format"),
        ("9403.90", hs.UnknownCode, "hs_code_unknown"),
    ],
)
def test_validate_says_why(code, error, stable):
    with pytest.raises(error) as caught:
        hs.validate(code, "HS2022")
    assert caught.value.code == stable and isinstance(caught.value, ValueError)


def test_an_unknown_code_names_the_edition():
    with pytest.raises(hs.UnknownCode, match=r"^9403\.90 is not in HS 2022$"):
        hs.validate("9403.90", "2022")
    assert hs.validate("9403.90", "HS 2012") == "940390"


def test_lengths_and_national_lines():
    assert hs.validate("44.07", "HS2022", lengths=(4, 6)) == "4407"
    assert hs.validate("9403.60.10", "HS2022", lengths=(6, 8, 10)) == "94036010"
    with pytest.raises(hs.UnknownCode):  # a national line is checked by its subheading
        hs.validate("9403.90.10", "HS2022", lengths=(8,))
    assert hs.level("94") == "chapter" and hs.level("94.03") == "heading"


@pytest.mark.parametrize("written", ["HS2022", "hs2022", "HS 2022", "2022", 2022])
def test_edition_spellings(written):
    assert hs.edition_key(written) == "HS2022"
    assert hs.edition_name(written) == "HS 2022"


@pytest.mark.parametrize("written", ["HS1996", "22", "", True])
def test_unknown_edition(written):
    with pytest.raises(hs.UnknownEdition, match="unknown HS edition"):
        hs.edition_key(written)


def test_nomenclature_sizes_and_description():
    assert sum(len(c) == 6 for c in hs.table("HS2022")) == 5612
    assert sum(len(c) == 6 for c in hs.table("HS2017")) == 5387
    assert sum(len(c) == 6 for c in hs.table("2012")) == 5205
    assert hs.description("9403.60", "HS2022").startswith("Furniture; wooden")
    assert hs.description("000000", "HS2022") is None
    assert hs.description("940360", "HS1988") is None


def test_correlation_hs2022_to_hs2012_is_loaded_once():
    assert hs.correlation() is hs.correlation()  # one loader, one cache
    assert hs.hs2012_for("940360") == (("940360", "1:1"),)
    assert {code for code, _ in hs.hs2012_for("8517.13")} == {"851712"}
    assert hs.single_hs2012("851713") == ("851712", "n:1")
    assert len(hs.correlation()) > 5000


def test_input_pattern_matches_what_compact_accepts():
    import re

    pattern = hs.input_pattern((4, 6))
    for text in ("4407", "44.07", "9403.60", "9403 60", " 940360 "):
        assert re.match(pattern, text) and hs.is_valid(text, lengths=(4, 6))
    for text in ("440", "94036", "9403600", "9403-60"):
        assert not re.match(pattern, text) and not hs.is_valid(text, lengths=(4, 6))
