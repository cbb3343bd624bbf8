"""An origin statement's badge: a small SVG any website can show (`/v1/badge/{id}.svg`),
linked to the statement's verification page (the snippet: `originlink.links.badge_html`).

It shows what the statement says and nothing more — the agreement, the RCEP country of
origin, the criterion, that it is the exporter's statement — while the statement stands; once
it no longer does (withdrawn, expired, superseded, altered) it turns grey and says so, and a
sandbox statement says SANDBOX. Never green, never "certified": a buyer must not read it as a
certificate. The words are the page's gettext catalogues (`pages.BADGE_*`), in six languages.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape, quoteattr

from . import i18n, pages

HEIGHT = 40
STYLES = {  # background, border, text: the page's "info", "bad" and "sandbox" colours
    "statement_valid": ("#e8f0fb", "#0b5cad", "#0b3a6e"),
    "not_valid": ("#f1f2f4", "#8c959f", "#57606a"),
    "sandbox": ("#f1e9fb", "#5c2d91", "#3b1d5e"),
}


def _width(text: str, size: float) -> float:
    """Roughly how wide `text` sets at `size` px in a sans-serif face (wide for CJK)."""
    total = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0
        elif unicodedata.combining(ch) or unicodedata.category(ch) == "Mn":
            continue  # Thai vowel and tone marks stack on their consonant
        elif ch.isupper() or ch.isdigit():
            total += 0.66
        else:
            total += 0.56
    return total * size


def words(body: dict, lang: str) -> tuple[str, str]:
    """The badge's two lines for a verification answer (`verification/statement.py`)."""
    gettext = i18n.translations(lang).gettext
    statement = body.get("statement") or {}
    if body["verdict"] == "sandbox":
        return gettext("SANDBOX — NOT AN ORIGIN STATEMENT"), ""
    if body["verdict"] != "statement_valid" or not statement:
        code = body["checks"]["status"]["code"]
        label = pages.STATEMENT_STATUS_LABELS.get(code) if code != "valid" else None
        return gettext(pages.BADGE_INVALID), gettext(label or "Not valid")
    country = i18n.country_name(statement["country_of_origin"], lang)
    return (
        gettext(pages.BADGE_ORIGIN) % {"agreement": statement["agreement"], "country": country},
        gettext(pages.BADGE_CRITERION) % {"criterion": statement["origin_criterion"]},
    )


def badge_alt(statement: dict, lang: str) -> str:
    """The badge's words for people who cannot see it (the snippet's `alt`)."""
    gettext = i18n.translations(lang).gettext
    return gettext(pages.BADGE_ALT) % {
        "agreement": statement["agreement"],
        "country": i18n.country_name(statement["country_of_origin"], lang),
        "criterion": statement["origin_criterion"],
    }


def badge_svg(body: dict, lang: str) -> str:
    """The SVG document (text escaped; no script, no external reference)."""
    first, second = words(body, lang)
    background, border, colour = STYLES.get(body["verdict"], STYLES["not_valid"])
    width = int(max(_width(first, 13), _width(second, 11)) + 24)
    label = f"{first} — {second}" if second else first
    dashed = ' stroke-dasharray="4 2"' if body["verdict"] == "sandbox" else ""
    second_line = f'<text x="12" y="31" font-size="11">{escape(second)}</text>' if second else ""
    first_y = 18 if second else 25
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label={quoteattr(label)} '
        f"xml:lang={quoteattr(lang)} data-verdict={quoteattr(body['verdict'])}>"
        f"<title>{escape(label)}</title>"
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{HEIGHT - 1}" rx="6" '
        f'fill="{background}" stroke="{border}"{dashed}/>'
        f"<g fill=\"{colour}\" font-family=\"system-ui,-apple-system,'Segoe UI','Noto Sans',"
        f"'Noto Sans SC','Noto Sans Thai',sans-serif\">"
        f'<text x="12" y="{first_y}" font-size="13" font-weight="700">{escape(first)}</text>'
        f"{second_line}</g></svg>"
    )
