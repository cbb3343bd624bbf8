"""The module speaks Chinese first (its first users are Chinese exporters): its template
(`i18n/rcep_eco_website.pot`) is what Odoo exports from the module today, and every one of its
terms has a zh_CN translation."""

import io
import re
from pathlib import Path

import polib
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

I18N = Path(__file__).resolve().parents[1] / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s")


def terms(path_or_bytes):
    source = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return {
        (e.msgid, e.msgstr) for e in polib.pofile(source.decode()) if e.msgid and not e.obsolete
    }


@tagged("post_install", "-at_install", "rcep_website")
class TestTranslations(TransactionCase):
    def test_the_template_is_what_odoo_exports(self):
        buffer = io.BytesIO()
        trans_export(None, ["rcep_eco_website"], buffer, "po", self.env)
        exported = {src for src, _ in terms(buffer.getvalue())}
        committed = {src for src, _ in terms(I18N / "rcep_eco_website.pot")}
        self.assertEqual(exported - committed, set(), "re-export i18n/rcep_eco_website.pot")
        self.assertEqual(committed - exported, set(), "obsolete terms in the .pot")

    def test_every_term_has_a_chinese_translation(self):
        template = {src for src, _ in terms(I18N / "rcep_eco_website.pot")}
        chinese = dict(terms(I18N / "zh_CN.po"))
        missing = sorted(src for src in template if not chinese.get(src, "").strip())
        self.assertEqual(missing, [])
        for src in template:
            self.assertEqual(
                sorted(PLACEHOLDER.findall(src)), sorted(PLACEHOLDER.findall(chinese[src])), src
            )
