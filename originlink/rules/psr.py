"""Product-specific rules (Annex 3A) as data: shipped rows, an imported schedule, company overrides.

Where rows live:
* shipped: `originlink/data/psr/*.csv` (partial; see its SOURCE.md), read-only;
* imported and overrides: two CSV files in the PSR directory — `--psr-dir`, else the
  environment variable `ORIGINLINK_PSR_DIR`, else `$XDG_DATA_HOME/originlink/psr`
  (`~/.local/share/originlink/psr`). Both files are replaced atomically, so a failed import
  leaves the previous state untouched.

Lookup for (agreement, edition, code): a company override at the most specific level present
(subheading, heading, chapter) wins; otherwise the table row (imported over shipped) at the most
specific level; otherwise, for an HS 2022 code, the HS 2012 row reached through a correlation in
which the HS 2022 code corresponds to exactly one HS 2012 code (flagged for confirmation);
otherwise the rule is unknown.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from originlink import hs
from originlink.rules.language import Rule, RuleSyntaxError, parse_rule

PSR_DIR_ENV = "ORIGINLINK_PSR_DIR"
IMPORTED_FILE = "imported.csv"
OVERRIDES_FILE = "overrides.csv"
SHIPPED_FILES = ("rcep_psr.csv", "rcep_psr_hs2022.csv")
AGREEMENTS = ("RCEP",)
COLUMNS = (
    "agreement",
    "hs_level",
    "hs_code",
    "hs_edition",
    "rule",
    "source",
    "description_excerpt",
    "confidence",
    "note",
)
REQUIRED_COLUMNS = ("hs_code", "hs_edition", "rule", "source")


@dataclass(frozen=True)
class PsrRow:
    agreement: str
    hs_edition: str
    hs_code: str  # 2, 4 or 6 digits, no dots
    rule: str
    source: str
    origin: str = "shipped"  # shipped | imported | override
    description: str = ""
    confidence: str = ""
    note: str = ""

    @property
    def hs_level(self) -> str:
        return hs.level(self.hs_code)

    @property
    def node(self) -> Rule:
        return parse_rule(self.rule)

    def describe(self) -> str:
        what = {
            "shipped": "shipped row",
            "imported": "imported row",
            "override": "company override",
        }
        return (
            f"{what[self.origin]} {self.agreement} {self.hs_edition} {self.hs_level} "
            f"{hs.format(self.hs_code)}: {self.rule!r} (source: {self.source})"
        )

    def as_csv(self) -> dict[str, str]:
        return {
            "agreement": self.agreement,
            "hs_level": self.hs_level,
            "hs_code": self.hs_code,
            "hs_edition": self.hs_edition,
            "rule": self.rule,
            "source": self.source,
            "description_excerpt": self.description,
            "confidence": self.confidence,
            "note": self.note,
        }


@dataclass(frozen=True)
class RuleLookup:
    """What the table says for one code. `status`: found | correlated | override | unknown."""

    status: str
    agreement: str
    hs_edition: str
    hs_code: str
    row: PsrRow | None = None
    replaced: PsrRow | None = None  # the table row an override replaced, if any
    correlated_from: tuple[str, str] | None = None  # (HS 2012 code, relationship)
    candidates: tuple[tuple[str, str], ...] = field(default=())  # for unknown: correlations seen


class PsrTable:
    """All rule rows known on this machine, indexed by (agreement, edition, code)."""

    def __init__(
        self,
        rows: Iterable[PsrRow] = (),
        overrides: Iterable[PsrRow] = (),
        *,
        base: Mapping[tuple[str, str, str], PsrRow] | None = None,
    ):
        # `base` is an index built once (the shipped rows); it is copied, never changed.
        self._rows: dict[tuple[str, str, str], PsrRow] = dict(base) if base else {}
        for row in rows:  # later rows (imported) replace earlier ones (shipped) with the same key
            self._rows[(row.agreement, row.hs_edition, row.hs_code)] = row
        self._overrides = {(r.agreement, r.hs_edition, r.hs_code): r for r in overrides}

    @classmethod
    def load(cls, psr_dir: str | Path | None = None) -> PsrTable:
        """Shipped rows, then the imported schedule and overrides of `psr_dir` (if present)."""
        directory = resolve_psr_dir(psr_dir)
        imported = read_store(directory / IMPORTED_FILE, "imported")
        overrides = read_store(directory / OVERRIDES_FILE, "override")
        return cls(imported, overrides, base=_shipped_index())

    @classmethod
    def shipped(cls) -> PsrTable:
        return cls(base=_shipped_index())

    def rows(self) -> list[PsrRow]:
        return list(self._rows.values())

    def overrides(self) -> list[PsrRow]:
        return list(self._overrides.values())

    def _most_specific(self, index: dict, agreement: str, edition: str, code: str) -> PsrRow | None:
        for n in (6, 4, 2):
            if len(code) >= n:
                row = index.get((agreement, edition, code[:n]))
                if row is not None:
                    return row
        return None

    def lookup(self, agreement: str, edition: str, code: str) -> RuleLookup:
        code = hs.compact(code)
        found = self._find(agreement, edition, code)
        if found is not None:
            return found
        if edition == "HS2022":
            single = hs.single_hs2012(code)
            if single is not None:
                via = self._find(agreement, "HS2012", single[0])
                if via is not None:
                    fields = {"hs_edition": edition, "hs_code": code, "correlated_from": single}
                    return replace(via, status="correlated", **fields)
            return RuleLookup("unknown", agreement, edition, code, candidates=hs.hs2012_for(code))
        return RuleLookup("unknown", agreement, edition, code)

    def _find(self, agreement: str, edition: str, code: str) -> RuleLookup | None:
        table_row = self._most_specific(self._rows, agreement, edition, code)
        override = self._most_specific(self._overrides, agreement, edition, code)
        if override is not None:
            return RuleLookup("override", agreement, edition, code, override, replaced=table_row)
        if table_row is not None:
            return RuleLookup("found", agreement, edition, code, table_row)
        return None

    def coverage(self, agreement: str = "RCEP") -> dict[str, EditionCoverage]:
        """Per HS edition: the rows held and, per chapter, how many of the edition's subheadings
        a table row reaches (its own row, or its heading's or chapter's). For HS 2022, codes
        reached only through the HS 2012 correlation are counted apart: each such rule is
        flagged for confirmation. Overrides are not counted: they are a company's, not a table's."""
        out: dict[str, EditionCoverage] = {}
        for edition in hs.EDITIONS:
            cov = EditionCoverage(agreement, edition)
            for row in self._rows.values():
                if (row.agreement, row.hs_edition) == (agreement, edition):
                    key = f"{row.origin} {row.hs_level}"
                    cov.rows[key] = cov.rows.get(key, 0) + 1
                    cov.chapter(row.hs_code[:2]).rows += 1
            for code in hs.table(edition):
                if len(code) != 6:
                    continue
                ch = cov.chapter(code[:2])
                ch.subheadings += 1
                if self._most_specific(self._rows, agreement, edition, code) is not None:
                    ch.covered += 1
                elif edition == "HS2022" and self._correlated_row(agreement, code) is not None:
                    ch.correlated += 1
            out[edition] = cov
        return out

    def _correlated_row(self, agreement: str, code: str) -> PsrRow | None:
        single = hs.single_hs2012(code)
        if single is not None:
            return self._most_specific(self._rows, agreement, "HS2012", single[0])
        return None


@dataclass
class ChapterCoverage:
    rows: int = 0  # table rows at any level in the chapter
    subheadings: int = 0  # subheadings of the chapter in the edition
    covered: int = 0  # reached by a row of this edition
    correlated: int = 0  # HS 2022 only: reached only through a single HS 2012 code

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "subheadings": self.subheadings,
            "covered": self.covered,
            "correlated": self.correlated,
        }


@dataclass
class EditionCoverage:
    agreement: str
    edition: str
    rows: dict[str, int] = field(default_factory=dict)  # "shipped heading" -> count
    chapters: dict[str, ChapterCoverage] = field(default_factory=dict)

    def chapter(self, ch: str) -> ChapterCoverage:
        return self.chapters.setdefault(ch, ChapterCoverage())

    @property
    def total(self) -> ChapterCoverage:
        t = ChapterCoverage()
        for c in self.chapters.values():
            t.rows, t.subheadings = t.rows + c.rows, t.subheadings + c.subheadings
            t.covered, t.correlated = t.covered + c.covered, t.correlated + c.correlated
        return t

    def as_dict(self) -> dict:
        return {
            "agreement": self.agreement,
            "hs_edition": self.edition,
            "rows": dict(sorted(self.rows.items())),
            "total": self.total.as_dict(),
            "chapters": {ch: c.as_dict() for ch, c in sorted(self.chapters.items())},
        }


def resolve_psr_dir(psr_dir: str | Path | None = None) -> Path:
    if psr_dir:
        return Path(psr_dir)
    if os.environ.get(PSR_DIR_ENV):
        return Path(os.environ[PSR_DIR_ENV])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return Path(base) / "originlink" / "psr"


@lru_cache(maxsize=1)
def shipped_rows() -> tuple[PsrRow, ...]:
    out: list[PsrRow] = []
    base = resources.files("originlink").joinpath("data", "psr")
    for name in SHIPPED_FILES:
        rows, problems = parse_csv(base.joinpath(name).read_text(encoding="utf-8"), "shipped")
        if problems:  # a packaging mistake, not user input
            raise RuntimeError(f"shipped PSR file {name} is invalid: {problems[0]}")
        out += rows
    return tuple(out)


@lru_cache(maxsize=1)
def _shipped_index() -> dict[tuple[str, str, str], PsrRow]:
    return {(r.agreement, r.hs_edition, r.hs_code): r for r in shipped_rows()}


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


def parse_csv(text: str, origin: str) -> tuple[list[PsrRow], list[RowProblem]]:
    """Validate every row of a PSR CSV; return the rows and *all* problems (line numbers are
    the file's own, header = line 1). Callers must not use the rows if there is a problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _parse_rows(reader, origin)
    except csv.Error as exc:  # e.g. a field above the csv module's size limit
        return [], [RowProblem(max(reader.line_num, 1), None, f"not a readable CSV file: {exc}")]


def _parse_rows(reader: csv.DictReader, origin: str) -> tuple[list[PsrRow], list[RowProblem]]:
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowProblem(1, None, f"missing column(s): {', '.join(missing)}")]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        return [], [RowProblem(1, None, f"unknown column(s): {', '.join(unknown)}")]
    rows: list[PsrRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:
            problems.append(RowProblem(line, None, "more fields than columns in the header"))
            continue
        vals = {k: (v or "").strip() for k, v in raw.items()}
        if not any(vals.values()):
            continue  # blank line
        bad = len(problems)
        agreement = vals.get("agreement") or "RCEP"
        if agreement not in AGREEMENTS:
            problems.append(RowProblem(line, "agreement", f"unknown agreement {agreement!r}"))
        try:
            edition = hs.edition_key(vals["hs_edition"])
        except hs.UnknownEdition as exc:
            edition = None
            problems.append(RowProblem(line, "hs_edition", str(exc)))
        try:
            code = hs.validate(vals["hs_code"], edition, lengths=hs.LEVELS)
        except hs.InvalidHsCode as exc:
            problems.append(RowProblem(line, "hs_code", str(exc)))
        else:
            if vals.get("hs_level") and vals["hs_level"].lower() != hs.level(code):
                msg = f"hs_level {vals['hs_level']!r} does not match a {len(code)}-digit code"
                problems.append(RowProblem(line, "hs_level", msg))
        try:
            parse_rule(vals["rule"])
        except RuleSyntaxError as exc:
            shown = vals["rule"] if len(vals["rule"]) <= 100 else vals["rule"][:100] + "..."
            msg = f"{exc.problem} at character {exc.position + 1} of {shown!r}"
            problems.append(RowProblem(line, "rule", msg))
        if not vals["source"]:
            problems.append(RowProblem(line, "source", "every row must name its source"))
        if len(problems) > bad:
            continue
        key = (agreement, edition, code)
        if key in seen:
            msg = f"{agreement} {edition} {code} is already given on line {seen[key]}"
            problems.append(RowProblem(line, "hs_code", msg))
            continue
        seen[key] = line
        rows.append(
            PsrRow(
                agreement,
                edition,
                code,
                " ".join(vals["rule"].split()),
                vals["source"],
                origin,
                vals.get("description_excerpt", ""),
                vals.get("confidence", ""),
                vals.get("note", ""),
            )
        )
    if not rows and not problems:
        problems.append(RowProblem(1, None, "the file has no rows"))
    return rows, problems


def read_store(path: Path, origin: str) -> list[PsrRow]:
    if not path.exists():
        return []
    rows, problems = parse_csv(path.read_text(encoding="utf-8"), origin)
    if problems:
        raise ValueError(f"{path} is damaged: {problems[0]} (fix or delete it)")
    return rows


def write_store(path: Path, rows: Iterable[PsrRow]) -> None:
    """Write all rows at once: a temporary file in the same directory, then an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: (r.agreement, r.hs_edition, r.hs_code)):
        writer.writerow(row.as_csv())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_schedule(text: str, psr_dir: str | Path | None = None) -> tuple[int, list[RowProblem]]:
    """Validate a whole schedule; if every row is good, replace the previously imported rows of
    the (agreement, edition) pairs it contains. Returns (rows imported, problems)."""
    rows, problems = parse_csv(text, "imported")
    if problems:
        return 0, problems
    path = resolve_psr_dir(psr_dir) / IMPORTED_FILE
    replaced = {(r.agreement, r.hs_edition) for r in rows}
    kept = [r for r in read_store(path, "imported") if (r.agreement, r.hs_edition) not in replaced]
    write_store(path, kept + rows)
    return len(rows), []


def set_override(row: PsrRow, psr_dir: str | Path | None = None) -> None:
    path = resolve_psr_dir(psr_dir) / OVERRIDES_FILE
    key = (row.agreement, row.hs_edition, row.hs_code)
    rows = [
        r for r in read_store(path, "override") if (r.agreement, r.hs_edition, r.hs_code) != key
    ]
    write_store(path, rows + [replace(row, origin="override")])


def remove_override(agreement: str, edition: str, code: str, psr_dir=None) -> bool:
    path = resolve_psr_dir(psr_dir) / OVERRIDES_FILE
    rows = read_store(path, "override")
    kept = [r for r in rows if (r.agreement, r.hs_edition, r.hs_code) != (agreement, edition, code)]
    if len(kept) == len(rows):
        return False
    write_store(path, kept)
    return True


__all__ = [
    "PsrRow",
    "PsrTable",
    "RuleLookup",
    "RowProblem",
    "import_schedule",
    "parse_csv",
    "resolve_psr_dir",
    "set_override",
    "remove_override",
]
