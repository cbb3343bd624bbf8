"""This module's only imports of the `originlink` core (imported lazily, as rcep_eco does)."""


def psr_table():
    """The product-specific rules as the engine reads them (shipped rows, the imported schedule
    and company overrides of the PSR directory), loaded once per batch of assessments."""
    from originlink.rules import PsrTable  # noqa: PLC0415

    return PsrTable.load()


def assess(data, table):
    """(Assessment, None) or (None, problems as dicts)."""
    from originlink.rules import AssessmentInputError  # noqa: PLC0415
    from originlink.rules import assess as _assess  # noqa: PLC0415

    try:
        return _assess(data, table=table), None
    except AssessmentInputError as exc:
        return None, [p.model_dump() for p in exc.problems]


def margin(data, table, assessment, max_checks=32):
    """The margin of safety (originlink.rules.margin) as a dict."""
    from originlink.rules.margin import margin as _margin  # noqa: PLC0415

    return _margin(data, table=table, assessment=assessment, max_checks=max_checks).to_json_dict()


def rvc_break_even(vnm, threshold):
    from originlink.rules.margin import rvc_break_even as _be  # noqa: PLC0415

    return _be(vnm, threshold)


def rvc_threshold(rule):
    from originlink.rules.margin import rvc_threshold as _threshold  # noqa: PLC0415

    return _threshold(rule)


def engine_version():
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return f"originlink {version('originlink')}"
    except PackageNotFoundError:
        return "originlink (version unknown)"
