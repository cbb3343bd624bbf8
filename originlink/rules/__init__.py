"""Origin determination under RCEP: the Annex 3A rule language, the PSR table and the engine.

    from originlink.rules import assess
    result = assess(input_dict)          # -> Assessment; result.to_json_dict() for JSON

See docs/rules.md for the contract, the articles applied and the data coverage.
"""

from originlink.rules.assess import assess, validate_input
from originlink.rules.language import RuleSyntaxError, parse_rule
from originlink.rules.models import Assessment, AssessmentInput, AssessmentInputError
from originlink.rules.psr import PsrTable

__all__ = [
    "Assessment",
    "AssessmentInput",
    "AssessmentInputError",
    "PsrTable",
    "RuleSyntaxError",
    "assess",
    "parse_rule",
    "validate_input",
]
