"""Words for the core's codes: reason codes of an origin assessment, criteria and the
notation of product-specific rules, as people read them (translated). The codes themselves
stay in the stored data and the service's documents."""

import re

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

CRITERION_LABELS = {
    "WO": _lt("Wholly obtained (WO)"),
    "PE": _lt("Produced from originating materials (PE)"),
    "CTC": _lt("Change in tariff classification (CTC)"),
    "RVC": _lt("Regional value content (RVC)"),
    "CR": _lt("Chemical reaction (CR)"),
    "ACU": _lt("Accumulation (ACU)"),
    "DMI": _lt("De minimis (DMI)"),
}

REASON_LABELS = {
    "PSR_FOUND": _lt("Product-specific rule found"),
    "PSR_OVERRIDE": _lt("Product-specific rule set by the company"),
    "PSR_CORRELATED": _lt("Rule taken from the HS 2012 schedule through the correlation table"),
    "PSR_UNKNOWN": _lt("No product-specific rule is held for this HS code"),
    "WO_RULE": _lt("The rule asks for wholly obtained goods"),
    "ALTERNATIVE_MET": _lt("One alternative of the rule is met"),
    "ALTERNATIVE_NOT_MET": _lt("One alternative of the rule is not met"),
    "CTC_MET": _lt("Change in tariff classification: met"),
    "CTC_NOT_MET": _lt("Change in tariff classification: not met"),
    "RVC_MET": _lt("Regional value content: met"),
    "RVC_NOT_MET": _lt("Regional value content: not met"),
    "WO_MET": _lt("Wholly obtained: yes"),
    "WO_NOT_MET": _lt("Wholly obtained: no"),
    "PE_MET": _lt("Produced exclusively from originating materials: yes"),
    "PE_NOT_MET": _lt("Produced exclusively from originating materials: no"),
    "CR_DECLARED": _lt("Chemical reaction declared"),
    "CR_NOT_DECLARED": _lt("No chemical reaction declared"),
    "DE_MINIMIS_APPLIED": _lt("De minimis applied"),
    "DE_MINIMIS_EXCEEDED": _lt("De minimis exceeded"),
    "TRANSPORT_PACKING_IGNORED": _lt("Packing for transport disregarded"),
    "RETAIL_PACKAGING": _lt("Retail packaging counted with the goods"),
    "ACCESSORIES": _lt("Accessories, spare parts and tools counted with the goods"),
    "INDIRECT_MATERIALS": _lt("Indirect materials treated as originating"),
    "CUMULATION": _lt("Materials of other Parties counted as originating (accumulation)"),
    "CUMULATION_NO_PROOF": _lt("Materials of other Parties without proof: not accumulated"),
    "NOT_FROM_A_PARTY": _lt("Material from outside the RCEP Parties"),
    "ORIGIN_UNDETERMINED": _lt("Material of unknown origin, counted as non-originating"),
    "VNM_DEDUCTIONS": _lt("Costs deducted from the value of non-originating materials"),
    "DEDUCTION_WITHOUT_EVIDENCE": _lt("Deduction without evidence: not applied"),
    "DEDUCTION_NOT_APPLICABLE": _lt("Deduction not applicable"),
    "INTERMEDIATE_ORIGINATING": _lt("Self-made intermediate material is originating"),
    "INTERMEDIATE_NOT_ORIGINATING": _lt("Self-made intermediate material is not originating"),
    "INTERMEDIATE_UNDETERMINED": _lt(
        "Self-made intermediate material of undetermined origin, counted as non-originating"
    ),
    "MINIMAL_OPERATIONS": _lt("Only minimal operations: not originating"),
    "COUNTRY_OF_ORIGIN": _lt("RCEP country of origin determined"),
    "COUNTRY_OF_ORIGIN_UNDETERMINED": _lt("RCEP country of origin undetermined"),
    "VERDICT": _lt("Verdict"),
    "VERDICT_UNDETERMINED": _lt("Undetermined: no product-specific rule is held"),
}

# The notation of Annex 3A rules.
RULE_TERMS = {
    "CC": _lt("change of chapter"),
    "CTH": _lt("change of heading"),
    "CTSH": _lt("change of subheading"),
    "WO": _lt("wholly obtained"),
    "CR": _lt("chemical reaction"),
}
_RVC = re.compile(r"RVC\s*(\d+)")


def criterion_label(env, code):
    label = CRITERION_LABELS.get(code)
    return env._(label) if label is not None else code


def reason_label(env, code):
    label = REASON_LABELS.get(code)
    if label is None:
        # A code newer than this addon: say so rather than show a bare code.
        return env._("Other rule applied (%s)", code)
    return env._(label)


def rule_explained(env, rule):
    """ "CTH or RVC40" → "change of heading or regional value content of at least 40 %"."""
    if not rule:
        return False
    words = []
    for token in re.split(r"(\s+|,|;|\(|\))", rule):
        if token in RULE_TERMS:
            words.append(env._(RULE_TERMS[token]))
        elif match := _RVC.fullmatch(token):
            words.append(env._("regional value content of at least %(pct)s %%", pct=match.group(1)))
        elif token == "or":
            words.append(env._("or"))
        elif token == "and":
            words.append(env._("and"))
        else:
            words.append(token)
    return "".join(words)
