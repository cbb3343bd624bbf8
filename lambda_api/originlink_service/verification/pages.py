"""Rendering of the verification page (jinja2, server-side; works without JavaScript).

The only script is optional: it reads an access code from the link's fragment (which browsers
never send to the server), removes it from the address bar and submits the same form a person
would type it into. The Content-Security-Policy allows exactly that script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from originlink.links import group

from ..settings import context
from . import checks, i18n

FRAGMENT_SCRIPT = (
    "(function(){var h=location.hash.slice(1);if(!h)return;"
    "history.replaceState(null,'',location.pathname+location.search);"
    "var f=document.getElementById('unlock');"
    "if(f){f.elements.code.value=decodeURIComponent(h);f.submit();}})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(FRAGMENT_SCRIPT.encode()).digest()).decode()

PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Robots-Tag": "noindex, nofollow",
    "Vary": "Accept-Language",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        f"script-src 'sha256-{_SCRIPT_HASH}'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}


# Never shown: bidirectional embeddings, overrides and isolates (a name "Co\u202eLIVE" would
# read "CoEVIL"), and control characters but line breaks and tabs. New data cannot hold them
# (originlink.model.types.text); this keeps anything stored earlier from reordering a page.
_NOT_SHOWN = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _shown(value):
    """jinja2's `finalize`: applied to every value a template prints."""
    if isinstance(value, str):
        cleaned = _NOT_SHOWN.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def _environment(lang: str) -> Environment:
    """One jinja2 environment per language, its gettext catalogue installed (thread-safe: no
    per-request switching)."""
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(["html"]),
        finalize=_shown,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    return env


_envs = {lang: _environment(lang) for lang in i18n.LANGUAGES}
_qr = checks.LruCache(2048)
_not_found: dict[tuple, str] = {}


def N_(text: str) -> str:
    """Marks a message for extraction (pybabel); translated where it is shown."""
    return text


# Status and customs codes stay in the JSON and in `data-code`/`title`; people read these.
STATUS_LABELS = {
    "valid": N_("Valid"),
    "cancelled": N_("Cancelled"),
    "replaced": N_("Replaced by another certificate"),
    "expired": N_("Expired"),
    "rejected": N_("Rejected by customs"),
    "not_issued": N_("Not issued yet"),
}
CUSTOMS_LABELS = {
    "forwarded": N_("Forwarded to the destination customs"),
    "acknowledged": N_("Received by the destination customs"),
    "accepted": N_("Accepted by the destination customs"),
    "query": N_("Query from the destination customs"),
    "rejected": N_("Rejected by customs"),
    "utilised": N_("Utilised at destination"),
}


# An origin statement's status (verification/statement.py).
STATEMENT_STATUS_LABELS = {
    "valid": N_("Stands (valid)"),
    "not_yet_valid": N_("Not valid yet"),
    "expired": N_("Expired"),
    "withdrawn": N_("Withdrawn by the exporter"),
    "superseded": N_("Superseded by a renewed statement"),
}
# The agreement's origin criteria, in words (RCEP Art 3.2, Annex 3B).
CRITERION_LABELS = {
    "WO": N_("wholly obtained or produced"),
    "PE": N_("produced exclusively from originating materials"),
    "CTC": N_("change in tariff classification"),
    "RVC": N_("regional value content"),
    "CR": N_("chemical reaction"),
    "ACU": N_("accumulation"),
    "DMI": N_("de minimis"),
}


# The words of an origin statement's badge (verification/badge.py).
BADGE_ORIGIN = N_("%(agreement)s origin: %(country)s")
BADGE_CRITERION = N_("criterion %(criterion)s · exporter's statement")
BADGE_INVALID = N_("Origin statement")
BADGE_ALT = N_(
    "%(agreement)s origin: %(country)s, criterion %(criterion)s — the exporter's statement "
    "about this product; select to verify it"
)


def _common(lang: str) -> dict:
    gettext = i18n.translations(lang).gettext
    return {
        "lang": lang,
        "languages": i18n.LANGUAGES,
        "script": FRAGMENT_SCRIPT,
        "production": context().settings.production,
        "country": lambda code: i18n.country_name(code, lang),
        "status_label": lambda code: (
            gettext(STATUS_LABELS[code]) if code in STATUS_LABELS else code
        ),
        "customs_label": lambda code: (
            gettext(CUSTOMS_LABELS[code]) if code in CUSTOMS_LABELS else code
        ),
        "statement_status_label": lambda code: (
            gettext(STATEMENT_STATUS_LABELS[code]) if code in STATEMENT_STATUS_LABELS else code
        ),
        "criterion_label": lambda code: (
            gettext(CRITERION_LABELS[code]) if code in CRITERION_LABELS else ""
        ),
    }


def not_found(lang: str) -> str:
    """One page for every miss, whatever the reason (cached per language)."""
    key = (lang, context().settings.production)
    html = _not_found.get(key)
    if html is None:
        html = _envs[lang].get_template("not_found.html").render(**_common(lang))
        _not_found[key] = html
    return html


def lookup_page(lang: str, **values) -> str:
    defaults = {"code": "", "number": "", "invoice": "", "code_invalid": False, "matches": []}
    return _envs[lang].get_template("lookup.html").render(**_common(lang), **{**defaults, **values})


def render_page(result, lang: str, *, full: dict | None, code_wrong: bool) -> str:
    body = result.body
    if body.get("kind") == "origin_statement":
        return (
            _envs[lang]
            .get_template("statement.html")
            .render(**_common(lang), v=body, s=body["statement"], grouped_code=group(body["code"]))
        )
    return (
        _envs[lang]
        .get_template("page.html")
        .render(
            **_common(lang),
            v=body,
            c=body["certificate"],
            full=full,
            code_wrong=code_wrong,
            grouped_code=group(body["code"]),
        )
    )


def public_page(result, lang: str) -> str:
    """The public page, rendered once per certificate version, day and language."""
    html = result.pages.get(lang)
    if html is None:
        html = render_page(result, lang, full=None, code_wrong=False)
        result.pages[lang] = html
    return html


def qr_cache(url: str, render) -> str:
    svg = _qr.get(url)
    if svg is None:
        svg = render(url)
        _qr.put(url, svg)
    return svg
