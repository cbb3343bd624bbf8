"""What the simulated peers decide, and when: a TOML file (default: `rules.toml` here).

[timing]                      # seconds after the receipt
received_after = 0.2          # customs: the "received" callback
decision_after = 0.6          # customs: accepted / rejected / query; issuing body: decision
utilise_after = -1            # customs: "utilised" after an acceptance (-1: never)

[[rules]]                     # customs; the first rule whose `when` matches decides
when = { hs_chapter = ["93"] }                  # any goods item in these HS chapters
outcome = "rejected"                            # accepted | rejected | query
reasons = [{ code = "…", text = "…" }]

[[rules]]
when = { lane = ["red"], importing_party = ["VN"], review = ["manual"] }
outcome = "query"
question = "…"

[[issuing_rules]]             # issuing bodies: endorsed | refused (reasons: strings)

[accepts]                     # formats each party takes (default: every known one)
TH = ["ubl/2.1"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_RULES = Path(__file__).with_name("rules.toml")
CONDITIONS = ("hs_chapter", "lane", "importing_party", "review")


@dataclass(frozen=True)
class Rule:
    outcome: str
    when: dict = field(default_factory=dict)
    reasons: list = field(default_factory=list)
    question: str | None = None

    def matches(self, facts: dict) -> bool:
        for key, allowed in self.when.items():
            values = facts.get(key)
            values = values if isinstance(values, (list, set, tuple)) else [values]
            if not set(map(str, values)) & set(map(str, allowed)):
                return False
        return True


@dataclass(frozen=True)
class Rules:
    received_after: float = 0.2
    decision_after: float = 0.6
    utilise_after: float = -1.0
    customs: tuple[Rule, ...] = (Rule("accepted"),)
    issuing: tuple[Rule, ...] = (Rule("endorsed"),)
    accepts: dict = field(default_factory=dict)

    def decide(self, facts: dict, *, issuing: bool) -> Rule:
        rules = self.issuing if issuing else self.customs
        default = Rule("endorsed" if issuing else "accepted")
        return next((r for r in rules if r.matches(facts)), default)

    def accepted_formats(self, party: str) -> list[str] | None:
        return self.accepts.get(party)


def _rule(data: dict, allowed: set[str]) -> Rule:
    if data.get("outcome") not in allowed:
        raise ValueError(f"rule outcome {data.get('outcome')!r} is not one of {sorted(allowed)}")
    unknown = set(data.get("when", {})) - set(CONDITIONS)
    if unknown:
        raise ValueError(f"unknown rule condition(s) {sorted(unknown)}; known: {CONDITIONS}")
    return Rule(
        outcome=data["outcome"],
        when={k: list(v) for k, v in data.get("when", {}).items()},
        reasons=list(data.get("reasons", [])),
        question=data.get("question"),
    )


def load(path: Path | str | None = None) -> Rules:
    data = tomllib.loads(Path(path or DEFAULT_RULES).read_text(encoding="utf-8"))
    timing = data.get("timing", {})
    return Rules(
        received_after=float(timing.get("received_after", 0.2)),
        decision_after=float(timing.get("decision_after", 0.6)),
        utilise_after=float(timing.get("utilise_after", -1)),
        customs=tuple(_rule(r, {"accepted", "rejected", "query"}) for r in data.get("rules", []))
        or (Rule("accepted"),),
        issuing=tuple(_rule(r, {"endorsed", "refused"}) for r in data.get("issuing_rules", []))
        or (Rule("endorsed"),),
        accepts=dict(data.get("accepts", {})),
    )
