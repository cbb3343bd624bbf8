"""The only place the addon touches the `originlink` core (imported lazily, so that Odoo can
load the module list even where the core is missing; the manifest's external_dependencies
stops the install in that case)."""

from decimal import Decimal

from odoo.tools import float_repr

CRITERIA = [
    ("WO", "WO - wholly obtained"),
    ("PE", "PE - produced from originating materials"),
    ("CTC", "CTC - change in tariff classification"),
    ("RVC", "RVC - regional value content"),
    ("CR", "CR - chemical reaction"),
    ("ACU", "ACU - accumulation"),
    ("DMI", "DMI - de minimis"),
]
HS_EDITIONS = [("HS2012", "HS 2012"), ("HS2017", "HS 2017"), ("HS2022", "HS 2022")]
MATERIAL_ROLES = [
    ("component", "Component"),
    ("retail_packaging", "Retail packaging"),
    ("transport_packing", "Transport packing"),
    ("accessory", "Accessory"),
    ("indirect", "Indirect material"),
]


def to_decimal(value, digits=2):
    """An Odoo float (how the ORM stores amounts) as the exact decimal it shows: the
    representation rounded to the field's digits, never the binary float itself."""
    return Decimal(float_repr(value or 0.0, digits))


def dec_str(value, digits=2):
    return str(to_decimal(value, digits))


def hs_subheading(code):
    """The 6-digit subheading of an HS code as people type it (originlink.hs: "9403.60",
    "9403 60" and "940360" are one code; a national line "9403.60.90.00" has it as its first
    six digits), or None when it is not an HS code of 6, 8 or 10 digits."""
    from originlink import hs  # noqa: PLC0415

    try:
        return hs.validate(code or "", lengths=_SUBHEADING_OR_NATIONAL)[:6]
    except hs.InvalidHsCode:
        return None


def hs_code_problem(code, edition):
    """None if `code` names a subheading of the HS `edition` (originlink.hs.validate), else
    why not: "bad_format", "bad_length" or "not_in_edition" (the addon says it in the user's
    language)."""
    from originlink import hs  # noqa: PLC0415

    try:
        hs.validate(code or "", edition, lengths=_SUBHEADING_OR_NATIONAL)
    except hs.UnknownCode:
        return "not_in_edition"
    except hs.InvalidLength:
        return "bad_length"
    except hs.InvalidHsCode:
        return "bad_format"
    return None


# An HS subheading (6 digits) or a national tariff line starting with it (8 or 10 digits), as
# other modules (stock_delivery's hs_code) may hold it.
_SUBHEADING_OR_NATIONAL = (6, 8, 10)


def verify_webhook_signature(secret, headers, raw_body):
    """The core's check of a signed call (originlink.exchange.signature.verify): HMAC-SHA256
    of timestamp and body with the shared secret, at most five minutes old. `.ok`, `.code`."""
    from originlink.exchange.signature import verify  # noqa: PLC0415

    return verify(secret, headers, raw_body)


def rcep_parties():
    from originlink.rules.assess import rcep_parties as _parties  # noqa: PLC0415

    return _parties()


def assess(data):
    """Run the core's origin assessment; returns (result dict | None, problems list)."""
    from originlink.rules import AssessmentInputError  # noqa: PLC0415
    from originlink.rules import assess as _assess  # noqa: PLC0415

    try:
        return _assess(data).to_json_dict(), []
    except AssessmentInputError as exc:
        return None, [p.model_dump() for p in exc.problems]


def check_certificate(data):
    """The core's parse + cross-field validation: (ok, problems as dicts)."""
    from originlink.model import check_certificate as _check  # noqa: PLC0415

    cert, problems = _check(data)
    return cert is not None and not problems, [p.model_dump() for p in problems]


def service_state_list():
    """The states the service reports, in lifecycle order (originlink.states); the addon adds
    its own before sending (draft, to_send, error)."""
    from originlink.states import STATES  # noqa: PLC0415

    return list(STATES)


def service_states():
    return frozenset(service_state_list())


def state_meanings():
    """What each service state says, in one English sentence (for help texts and tests)."""
    from originlink.states import MEANINGS  # noqa: PLC0415

    return dict(MEANINGS)


def states_verifying_as_valid():
    """States in which a verifier may say "valid": the certificate is in force."""
    from originlink.states import VERIFIES_AS_VALID  # noqa: PLC0415

    return VERIFIES_AS_VALID


def states_awaiting_the_exporter():
    """States in which customs wait for the exporter: rejected (reasons) or a query."""
    from originlink.states import QUERY, REJECTED  # noqa: PLC0415

    return frozenset({REJECTED, QUERY})


def states_ending_life():
    """States that end a certificate's life: its goods may be certified again."""
    from originlink.states import CANCELLED, REPLACED  # noqa: PLC0415

    return frozenset({CANCELLED, REPLACED})


def states_still_changing():
    """States whose status may still change: the status pull asks about these."""
    from originlink.states import STILL_CHANGES  # noqa: PLC0415

    return STILL_CHANGES


def withdrawable_states():
    """States in which the exporter may still cancel or replace (Art 3.17.5)."""
    from originlink.states import WITHDRAWABLE  # noqa: PLC0415

    return WITHDRAWABLE


def standing_states():
    """Issued and never withdrawn: a certified true copy may be made (Art 3.17.9)."""
    from originlink.states import STANDING  # noqa: PLC0415

    return STANDING


def print_link(body, base_url):
    """What to print on the certificate: the service's `links.print` (the QR link with the
    access code, the grouped short and access codes, the lookup page, the sandbox flag), or,
    from a service that does not send it yet, the same built by the core's own builder from
    the public id (originlink.links.print_link), so Odoo prints what the service prints."""
    printed = (body.get("links") or {}).get("print")
    if isinstance(printed, dict) and isinstance(printed.get("url"), str):
        return printed
    from originlink.links import print_link as _print_link  # noqa: PLC0415

    return _print_link(
        base_url, body["public_id"], body.get("access_code"), sandbox=bool(body.get("sandbox"))
    )


# Problems about a goods item's origin evidence quote supplier costs (VNM, VOM, material
# values). Their text is stored on the certificate and posted to the chatter, which every
# certificate user reads, so it is withheld there; managers see the figures on the product.
COST_DATA_WITHHELD = "cost figures withheld (managers see them on the product's qualification)"


def is_cost_problem(problem):
    return ".evidence" in (problem.get("path") or "")


def format_problems(problems):
    """Problems as lines people can act on: the field, the message and the article."""
    lines = []
    for p in problems:
        article = f" ({p['article']})" if p.get("article") else ""
        path = p.get("path") or "certificate"
        if is_cost_problem(p):
            message = f"{p.get('code')}: {COST_DATA_WITHHELD}"
        else:
            message = p.get("message") or ""
        # The service's messages already start with the field; say it once.
        field = "" if message.startswith(f"{path}: ") else f"{path}: "
        lines.append(f"- {field}{message}{article}")
    return "\n".join(lines)


def redact_cost_reasons(reasons, problems):
    """Lane reasons repeat warning messages: withhold those that quote cost figures."""
    secret = [p.get("message") for p in problems if is_cost_problem(p) and p.get("message")]
    out = []
    for reason in reasons:
        for message in secret:
            reason = reason.replace(message, COST_DATA_WITHHELD)
        out.append(reason)
    return out


# What the addon reads from the service's answers. A 2xx that lacks these (a proxy, a newer
# or broken service) is reported as an error naming the field, never a traceback.
_RESOURCE_FIELDS = {"id": str, "state": str, "version": int}
_EVENT_FIELDS = {"seq": int, "type": str, "actor": str, "at": str}


def _missing(record, fields, where):
    for name, kind in fields.items():
        value = record.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"the service's answer has no valid {where}{name} ({kind.__name__} expected)"
    return None


def resource_problem(body):
    """None if `body` is a certificate resource the addon can apply, else why not."""
    problem = _missing(body, _RESOURCE_FIELDS, "")
    if problem is None and body.get("public_id") is not None:
        if not isinstance(body["public_id"], str):
            problem = "the service's answer has no valid public_id (str expected)"
    return problem


def events_problem(body):
    """None if `body` is an events page ({"items": [event, ...]}), else why not."""
    items = body.get("items")
    if not isinstance(items, list):
        return "the service's answer has no valid items (list expected)"
    for i, event in enumerate(items):
        if not isinstance(event, dict):
            return f"the service's answer has no valid items[{i}] (object expected)"
        problem = _missing(event, _EVENT_FIELDS, f"items[{i}].")
        if problem:
            return problem
    return None
