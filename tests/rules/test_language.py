"""The Annex 3A rule language: what it reads, what it refuses, and where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from originlink.rules.language import (
    AllOf,
    AnyOf,
    Cr,
    Ctc,
    Exclusion,
    RuleSyntaxError,
    Rvc,
    Wo,
    alternatives,
    parse_rule,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("CC", Ctc("CC")),
        ("CTH", Ctc("CTH")),
        ("CTSH", Ctc("CTSH")),
        ("WO", Wo()),
        ("CR", Cr()),
        ("RVC40", Rvc(Decimal(40))),
        ("RVC 35 %", Rvc(Decimal(35))),
        ("CTH or RVC40", AnyOf((Ctc("CTH"), Rvc(Decimal(40))))),
        ("CTSH, or RVC40", AnyOf((Ctc("CTSH"), Rvc(Decimal(40))))),
        ("cth OR rvc40", AnyOf((Ctc("CTH"), Rvc(Decimal(40))))),
        ("CTSH and RVC35", AllOf((Ctc("CTSH"), Rvc(Decimal(35))))),
        # Annex 3A, headings 29.01 ff.: a listed choice, closed by "or"
        ("CTH, RVC40, or CR", AnyOf((Ctc("CTH"), Rvc(Decimal(40)), Cr()))),
        ("CTH, RVC40 or CR", AnyOf((Ctc("CTH"), Rvc(Decimal(40)), Cr()))),
        (
            "CTH except from heading 72.13 or 72.14, or RVC40",
            AnyOf(
                (
                    Ctc(
                        "CTH",
                        (
                            Exclusion("heading", "7213", "7213"),
                            Exclusion("heading", "7214", "7214"),
                        ),
                    ),
                    Rvc(Decimal(40)),
                )
            ),
        ),
        (
            "CC or (CTH and RVC35)",
            AnyOf((Ctc("CC"), AllOf((Ctc("CTH"), Rvc(Decimal(35)))))),
        ),
        (
            "CC except from subheading 1211.20",
            Ctc("CC", (Exclusion("subheading", "121120", "121120"),)),
        ),
        ("CC except from Chapter 01", Ctc("CC", (Exclusion("chapter", "01", "01"),))),
        ("CC except from chapter 1", Ctc("CC", (Exclusion("chapter", "01", "01"),))),
        ("CTH except from heading 85.42", Ctc("CTH", (Exclusion("heading", "8542", "8542"),))),
        (
            "CC except from headings 01.01 through 01.03",
            Ctc("CC", (Exclusion("heading", "0101", "0103"),)),
        ),
        (
            "CC except from heading 85.42, 85.44 and subheading 8541.10 or RVC40",
            AnyOf(
                (
                    Ctc(
                        "CC",
                        (
                            Exclusion("heading", "8542", "8542"),
                            Exclusion("heading", "8544", "8544"),
                            Exclusion("subheading", "854110", "854110"),
                        ),
                    ),
                    Rvc(Decimal(40)),
                )
            ),
        ),
    ],
)
def test_reads(text, expected):
    assert parse_rule(text) == expected


def test_text_round_trips_through_its_canonical_form():
    for text in [
        "CTH or RVC40",
        "CC except from subheading 1211.20",
        "CC except from headings 01.01 through 01.03 or RVC40",
        "CC or (CTH and RVC35)",
    ]:
        node = parse_rule(text)
        assert str(node) == text
        assert parse_rule(str(node)) == node


def test_alternatives():
    assert alternatives(parse_rule("CTH or RVC40")) == (Ctc("CTH"), Rvc(Decimal(40)))
    assert alternatives(parse_rule("CC")) == (Ctc("CC"),)


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("CTH or RVQ40", 7, "expected a criterion"),
        ("", 0, "empty"),
        ("CTH or", 6, "found the end of the rule"),
        ("CTH RVC40", 4, "expected 'or', 'and'"),
        ("CC except 12", 10, "expected 'from'"),
        ("CC except from heading 85.4", 23, "heading code has 4 digits"),
        ("CC except from 12.01", 15, "'Chapter', 'heading' or 'subheading'"),
        ("RVC", 3, "percentage"),
        ("RVC0", 0, "above 0"),
        ("(CTH or CC", 10, "expected ')'"),
        ("CTH or RVC40 $", 13, "unexpected character '$'"),
        ("CC except from headings 01.03 through 01.01", 30, "ends"),
        # a bare list without a closing "or" may be a typo for "and": refused, not guessed
        ("CTH, RVC40", 3, "must end with 'or'"),
        ("CTH, RVC40, CR", 3, "must end with 'or'"),
    ],
)
def test_refuses_with_position(text, position, words):
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(text)
    assert err.value.position == position
    assert words in err.value.problem
    assert f"at character {position + 1}" in str(err.value)


def test_exclusion_cover():
    heading = Exclusion("heading", "0101", "0103")
    assert heading.covers("010290") and heading.covers("0103")
    assert not heading.covers("010410")
    sub = Exclusion("subheading", "121120", "121120")
    assert sub.covers("121120") and not sub.covers("121190")
    # A 4-digit code cannot show it is outside a subheading exclusion: counted as covered.
    assert sub.covers("1211")


def test_refuses_hostile_text_without_exhausting_the_stack():
    from originlink.rules.language import MAX_NESTING, MAX_RULE_CHARS

    deep = "(" * 3000 + "CTH" + ")" * 3000
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(deep)
    assert err.value.problem == f"the rule is longer than {MAX_RULE_CHARS} characters"
    assert err.value.position == MAX_RULE_CHARS and len(str(err.value)) < 300
    nested = "(" * (MAX_NESTING + 1) + "CTH" + ")" * (MAX_NESTING + 1)
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(nested)
    assert "nested more than" in err.value.problem and err.value.position == MAX_NESTING
    ok = "(" * MAX_NESTING + "CTH" + ")" * MAX_NESTING
    assert parse_rule(ok) == Ctc("CTH")
