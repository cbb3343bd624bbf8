"""Build hook: the verification page's gettext catalogues (`.po`, Babel) are compiled to `.mo`
into every wheel built from this distribution (`make package`, `pip wheel`). The editable
tree is compiled by `make install`; the rest of the metadata is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path("originlink_service/verification/locale")


class BuildPyWithCatalogues(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as src, target.open("wb") as out:
                write_mo(out, read_po(src, locale=po.parts[-3]))


setup(cmdclass={"build_py": BuildPyWithCatalogues})
