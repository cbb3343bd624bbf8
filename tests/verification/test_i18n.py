"""The verification page's words are gettext catalogues (Babel): every message the templates
and `pages.py` use is in every language's `.po`, translated, not fuzzy, with the same
placeholders; the committed template (`messages.pot`) is what extraction finds today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from originlink_service.verification import i18n

SERVICE = Path(__file__).resolve().parents[2] / "lambda_api"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    method_map = [
        ("originlink_service/verification/pages.py", "python"),
        ("originlink_service/verification/templates/**.html", "jinja2"),
    ]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    return {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(SERVICE), method_map, options_map=options, keywords={"_": None, "N_": None}
        )
    }


def test_template_catalogue_is_up_to_date():
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert pot == extracted()


@pytest.mark.parametrize("lang", sorted(i18n.CATALOGUE))
def test_every_language_is_complete(lang):
    messages = extracted()
    po = i18n.LOCALE_DIR / i18n.CATALOGUE[lang] / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = {m.id: m for m in read_po(fh) if m.id}
    assert set(catalog) >= messages, sorted(messages - set(catalog))
    for msgid in messages:
        message = catalog[msgid]
        assert message.string.strip(), (lang, msgid)
        assert not message.fuzzy, (lang, msgid)
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(msgid)), (
            lang,
            msgid,
        )
        if msgid[0].isalpha():  # actually translated (codes and names may stay as they are)
            assert message.string != msgid or msgid in {"Status", "SANDBOX"}, (lang, msgid)


@pytest.mark.parametrize("lang", sorted(i18n.CATALOGUE))
def test_the_page_uses_the_catalogue(lang):
    translations = i18n.translations(lang)
    assert translations.gettext("Certified and valid") != "Certified and valid"


def test_country_names_in_the_pages_language():
    assert i18n.country_name("VN", "en") == "Vietnam"
    assert i18n.country_name("VN", "vi") == "Việt Nam"
    assert i18n.country_name("CN", "zh-Hans") == "中国"
    assert i18n.country_name("TH", "th") == "ไทย"
    assert i18n.country_name("ZZ", "en") in {"ZZ", "Unknown Region"}
