"""`originlink psr import | show | override | coverage`: the Annex 3A product-specific rules.

Imported rows and company overrides are kept in the PSR directory: `--psr-dir`, else
$ORIGINLINK_PSR_DIR, else $XDG_DATA_HOME/originlink/psr (~/.local/share/originlink/psr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from originlink import hs
from originlink.rules.language import RuleSyntaxError, parse_rule
from originlink.rules.psr import (
    AGREEMENTS,
    PsrRow,
    PsrTable,
    import_schedule,
    remove_override,
    resolve_psr_dir,
    set_override,
)


def _edition(value: str) -> str:
    """--edition: "HS2022", "2022" and "HS 2022" name the same edition."""
    try:
        return hs.edition_key(value)
    except hs.UnknownEdition as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_EDITION_HELP = f"{', '.join(hs.EDITIONS)} (2022 and 'HS 2022' accepted)"


def register(subparsers) -> None:
    p = subparsers.add_parser("psr", help="product-specific rules: import, show, override")
    sub = p.add_subparsers(dest="psr_command", metavar="ACTION", required=True)

    def common(sp, code: bool = True):
        if code:
            sp.add_argument("hs_code", help="HS code: 2, 4 or 6 digits, dots or spaces allowed")
            sp.add_argument("--edition", required=True, type=_edition, help=_EDITION_HELP)
            sp.add_argument("--agreement", default="RCEP", choices=AGREEMENTS)
        sp.add_argument("--psr-dir", help="where imported rows and overrides are stored")

    imp = sub.add_parser("import", help="validate a whole schedule (CSV) and import it")
    imp.add_argument("file", help="CSV: hs_code, hs_edition, rule, source [, agreement, ...]")
    common(imp, code=False)
    imp.set_defaults(func=run_import)

    show = sub.add_parser("show", help="the rule that applies to a code, and where it comes from")
    common(show)
    show.set_defaults(func=run_show)

    ov = sub.add_parser("override", help="set (or --remove) a company override of a rule")
    common(ov)
    ov.add_argument("rule", nargs="?", help='rule text, e.g. "CTH or RVC40"')
    ov.add_argument("--reason", help="why (shown in every explanation); required to set")
    ov.add_argument("--remove", action="store_true", help="remove the override of this code")
    ov.set_defaults(func=run_override)

    cov = sub.add_parser(
        "coverage", help="rows held, and subheadings covered per HS chapter and edition"
    )
    common(cov, code=False)
    cov.add_argument(
        "--edition", type=_edition, help="one edition only (default: all); " + _EDITION_HELP
    )
    cov.add_argument("--agreement", default="RCEP", choices=AGREEMENTS)
    cov.add_argument(
        "--format", choices=("json", "text"), default="json", help="text: a table per edition"
    )
    cov.set_defaults(func=run_coverage)


def _print(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def _store_error(exc: Exception) -> int:
    """The PSR directory cannot be read or written (damaged file, not a directory, no right)."""
    if isinstance(exc, OSError):
        where = exc.filename or "the PSR directory"
        _print({"error": "psr_dir_unusable", "message": f"{where}: {exc.strerror or exc}"})
    else:
        _print({"error": "psr_store_damaged", "message": str(exc)})
    return 2


def run_import(args) -> int:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _print({"error": "unreadable_input", "message": f"cannot read {args.file}: {exc}"})
        return 2
    try:
        count, problems = import_schedule(text, args.psr_dir)
    except (ValueError, OSError) as exc:
        return _store_error(exc)
    if problems:
        message = f"{args.file}: {len(problems)} problem(s); nothing was imported"
        problems_out = [p.as_dict() for p in problems]
        _print({"error": "invalid_psr_file", "message": message, "problems": problems_out})
        for p in problems:
            print(f"{args.file}: {p}", file=sys.stderr)
        return 2
    _print({"imported": count, "psr_dir": str(resolve_psr_dir(args.psr_dir))})
    return 0


def _code(args) -> str | None:
    """The code of a chapter, heading or subheading of the stated edition, else None (said)."""
    try:
        return hs.validate(args.hs_code, args.edition, lengths=hs.LEVELS)
    except hs.InvalidHsCode as exc:
        _print({"error": exc.code, "message": f"hs_code: {exc}"})
        return None


def run_show(args) -> int:
    code = _code(args)
    if code is None:
        return 2
    try:
        found = PsrTable.load(args.psr_dir).lookup(args.agreement, args.edition, code)
    except (ValueError, OSError) as exc:
        return _store_error(exc)
    out = {
        "agreement": args.agreement,
        "hs_edition": args.edition,
        "hs_code": code,
        "status": found.status,
        "rule": found.row.rule if found.row else None,
        "row": found.row.describe() if found.row else None,
        "replaces": found.replaced.describe() if found.replaced else None,
        "correlated_from": list(found.correlated_from) if found.correlated_from else None,
    }
    _print(out)
    return 1 if found.status == "unknown" else 0


def run_override(args) -> int:
    code = _code(args)
    if code is None:
        return 2
    try:
        if args.remove:
            removed = remove_override(args.agreement, args.edition, code, args.psr_dir)
            _print({"removed": removed, "hs_code": code, "hs_edition": args.edition})
            return 0 if removed else 1
        if not args.rule or not args.reason:
            _print({"error": "usage", "message": "give the rule text and --reason to set"})
            return 2
        try:
            parse_rule(args.rule)
        except RuleSyntaxError as exc:
            _print({"error": "rule_syntax", "message": str(exc), "position": exc.position})
            return 2
        row = PsrRow(args.agreement, args.edition, code, args.rule, args.reason, "override")
        set_override(row, args.psr_dir)
    except (ValueError, OSError) as exc:
        return _store_error(exc)
    _print({"override": row.describe(), "psr_dir": str(resolve_psr_dir(args.psr_dir))})
    return 0


def run_coverage(args) -> int:
    try:
        table = PsrTable.load(args.psr_dir)
    except (ValueError, OSError) as exc:
        return _store_error(exc)
    editions = [
        cov
        for edition, cov in table.coverage(args.agreement).items()
        if args.edition in (None, edition)
    ]
    if args.format == "text":
        for cov in editions:
            print(_coverage_text(cov))
        print(f"company overrides: {len(table.overrides())} (not counted above)")
        return 0
    _print({"editions": [c.as_dict() for c in editions], "overrides": len(table.overrides())})
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _coverage_text(cov) -> str:
    t = cov.total
    held = ", ".join(f"{n} {k}" for k, n in sorted(cov.rows.items())) or "none"
    lines = [
        f"{cov.agreement} {cov.edition}: {t.rows} rows ({held}); "
        f"{t.covered} of {t.subheadings} subheadings covered ({_pct(t.covered, t.subheadings)})"
    ]
    if t.correlated:
        lines.append(
            f"  + {t.correlated} more reached only through a single HS 2012 code "
            "(each flagged for confirmation)"
        )
    lines.append("  ch   rows  covered/subheadings" + ("  correlated" if t.correlated else ""))
    for ch, c in sorted(cov.chapters.items()):
        row = f"  {ch}  {c.rows:5d}  {c.covered:7d}/{c.subheadings:<11d}"
        if t.correlated:
            row += f"  {c.correlated:10d}"
        lines.append(row.rstrip())
    return "\n".join(lines)
