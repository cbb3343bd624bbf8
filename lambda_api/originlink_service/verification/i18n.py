"""Page translations: English, Simplified Chinese, Vietnamese, Thai, Indonesian, Malay.

Chosen by `?lang=` first, then `Accept-Language` (RFC 9110 quality values), then English.
Machine answers (JSON) keep stable English codes; only the page is translated. The page's
words are gettext catalogues (`locale/<lang>/LC_MESSAGES/messages.po`, Babel): extracted
from the templates and `pages.py` with `pybabel extract` (lambda_api/babel.cfg), one `.po`
per language, compiled at build; `tests/verification/test_i18n.py` fails on any language
that lacks a message.
"""

from __future__ import annotations

import gettext
import io
from functools import cache, lru_cache
from pathlib import Path

LANGUAGES = {  # code -> name in its own language (for the switcher)
    "en": "English",
    "zh-Hans": "简体中文",
    "vi": "Tiếng Việt",
    "th": "ไทย",
    "id": "Bahasa Indonesia",
    "ms": "Bahasa Melayu",
}
DEFAULT = "en"

# Primary subtags (and the Chinese script/region variants) mapped to our languages.
_ALIASES = {
    "en": "en",
    "zh": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-my": "zh-Hans",
    "vi": "vi",
    "th": "th",
    "id": "id",
    "in": "id",  # the withdrawn ISO 639 code some old Android browsers still send
    "ms": "ms",
}


def _match(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag in _ALIASES:
        return _ALIASES[tag]
    if tag.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return None  # Traditional Chinese is not offered yet: fall through to the next choice
    return _ALIASES.get(tag.split("-", 1)[0])


def choose(query_lang: str | None, accept_language: str | None) -> str:
    if query_lang:
        found = _match(query_lang)
        if found:
            return found
    choices = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found = _match(tag) if tag.strip() not in {"", "*"} else None
        if found and q > 0:
            choices.append((-q, i, found))
    return min(choices)[2] if choices else DEFAULT


LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# Our language tags -> the catalogue's directory (gettext's locale naming).
CATALOGUE = {"zh-Hans": "zh_Hans", "vi": "vi", "th": "th", "id": "id", "ms": "ms"}
BABEL_LOCALE = {"en": "en", "zh-Hans": "zh_Hans", "vi": "vi", "th": "th", "id": "id", "ms": "ms"}


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The page's gettext catalogue for a language (English is the source: no catalogue).
    Catalogues are compiled at build (`make install`, `make package`: `pybabel compile`);
    a checkout without compiled ones compiles the `.po` in memory, never falls back to
    English silently."""
    if lang not in CATALOGUE:
        return gettext.NullTranslations()
    directory = LOCALE_DIR / CATALOGUE[lang] / "LC_MESSAGES"
    mo, po = directory / f"{DOMAIN}.mo", directory / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=CATALOGUE[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=2048)
def country_name(code: str | None, lang: str) -> str:
    """A country's name in the page's language (CLDR, through Babel); the ISO code stays in
    the JSON and in the element's `title`."""
    if not code:
        return ""
    from babel import Locale

    names = Locale.parse(BABEL_LOCALE.get(lang, "en")).territories
    return names.get(code.upper()) or code
