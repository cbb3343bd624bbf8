"""The Annex 3A rule language: parse "CTH or RVC40", "CC except from subheading 1211.20" ...

Grammar (keywords are case-insensitive; criteria may be grouped with parentheses):

    rule       := all ( [","|";"] "or" all | "," all )*  -- a bare "," only in a list that
                                                      -- ends with "or": "CTH, RVC40, or CR"
    all        := factor ( "and" factor )*
    factor     := "(" rule ")" | "WO" | "CR" | RVCnn | ctc
    ctc        := ("CC" | "CTH" | "CTSH") [ "except" "from" scopes ]
    scopes     := scope ( ("," | "and" | "or") scope )*       -- a list goes on while the next
    scope      := [level] code [ ("through" | "to" | "-") code ] -- item is a code or level word
    level      := "chapter(s)" | "heading(s)" | "subheading(s)"

Codes are written as in the Annex ("01", "85.42", "1211.20") or without dots. A rule is parsed
once and cached; `RuleSyntaxError` carries the 0-based character offset of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from originlink import hs

CTC_LEVELS = {"CC": 2, "CTH": 4, "CTSH": 6}
_SCOPE_DIGITS = {"chapter": 2, "heading": 4, "subheading": 6}
_SCOPE_WORDS = {
    "chapter": "chapter",
    "chapters": "chapter",
    "heading": "heading",
    "headings": "heading",
    "subheading": "subheading",
    "subheadings": "subheading",
}
_RANGE_WORDS = {"through", "to", "-", "–"}
# The longest Annex 3A rules are a few hundred characters; the limits keep hostile text (a
# megabyte of "or", parentheses nested thousands deep) from costing time or the stack.
MAX_RULE_CHARS = 1000
MAX_NESTING = 10

_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<rvc>RVC\s*(?P<pct>\d+(?:\.\d+)?)\s*%?)"
    r"|(?P<code>\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<punct>[(),;\-–])",
    re.IGNORECASE,
)


class RuleSyntaxError(ValueError):
    """Text that is not a rule of the Annex 3A language. `position` is a 0-based offset."""

    def __init__(self, text: str, position: int, problem: str):
        self.text = text
        self.position = position
        self.problem = problem
        if len(text) > 200:  # too long to point into: name the place only
            shown = text[:60] + "..."
            super().__init__(f"cannot read rule {shown!r}: {problem} at character {position + 1}")
            return
        super().__init__(
            f"cannot read rule {text!r}: {problem} at character {position + 1}\n"
            f"  {text}\n  {' ' * position}^"
        )


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Materials of these codes may not be the ones that make the change ("except from")."""

    level: str  # chapter | heading | subheading
    first: str  # digits: 2, 4 or 6 of them
    last: str

    def covers(self, code: str) -> bool:
        """True if `code` (4 or 6 digits) falls in the excluded range. A code too short to
        tell (a 4-digit material against a subheading exclusion) counts as covered, so an
        unknown detail can never make a change pass."""
        n = len(self.first)
        if len(code) < n:
            k = code
            return self.first[: len(k)] <= k <= self.last[: len(k)]
        k = code[:n]
        return self.first <= k <= self.last

    def __str__(self) -> str:
        def show(c: str) -> str:
            return c if len(c) == 2 else f"{c[:2]}.{c[2:]}" if len(c) == 4 else f"{c[:4]}.{c[4:]}"

        word = {"chapter": "Chapter", "heading": "heading", "subheading": "subheading"}[self.level]
        if self.first == self.last:
            return f"{word} {show(self.first)}"
        return f"{word}s {show(self.first)} through {show(self.last)}"


@dataclass(frozen=True, slots=True)
class Ctc:
    level: str  # CC | CTH | CTSH
    exclusions: tuple[Exclusion, ...] = ()

    @property
    def digits(self) -> int:
        return CTC_LEVELS[self.level]

    def __str__(self) -> str:
        if not self.exclusions:
            return self.level
        return f"{self.level} except from " + ", ".join(str(e) for e in self.exclusions)


@dataclass(frozen=True, slots=True)
class Rvc:
    threshold: Decimal

    def __str__(self) -> str:
        return f"RVC{self.threshold}"


@dataclass(frozen=True, slots=True)
class Wo:
    def __str__(self) -> str:
        return "WO"


@dataclass(frozen=True, slots=True)
class Cr:
    def __str__(self) -> str:
        return "CR"


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Alternatives: the good qualifies if any is met; the exporter chooses which to claim."""

    options: tuple[Rule, ...]

    def __str__(self) -> str:
        return " or ".join(_group(o) for o in self.options)


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Rule, ...]

    def __str__(self) -> str:
        return " and ".join(_group(p) for p in self.parts)


Rule = Ctc | Rvc | Wo | Cr | AnyOf | AllOf


def _group(node: Rule) -> str:
    return f"({node})" if isinstance(node, AnyOf | AllOf) else str(node)


def alternatives(node: Rule) -> tuple[Rule, ...]:
    """The top-level alternatives of a rule (a rule without `or` is one alternative)."""
    return node.options if isinstance(node, AnyOf) else (node,)


def leaves(node: Rule):
    """Every criterion in the rule, depth first."""
    if isinstance(node, AnyOf):
        for o in node.options:
            yield from leaves(o)
    elif isinstance(node, AllOf):
        for p in node.parts:
            yield from leaves(p)
    else:
        yield node


@dataclass(slots=True)
class _Tok:
    kind: str  # rvc | code | word | punct | end
    text: str
    pos: int
    value: str = ""


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise RuleSyntaxError(text, pos, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup if m.lastgroup != "pct" else "rvc"
        if kind != "ws":
            tok = _Tok(kind, m.group(0), pos)
            if kind == "rvc":
                tok.value = m.group("pct")
            elif kind == "word":
                tok.value = m.group(0).lower()
            toks.append(tok)
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Tok, problem: str):
        raise RuleSyntaxError(self.text, tok.pos, problem)

    def is_word(self, tok: _Tok, *words: str) -> bool:
        return tok.kind == "word" and tok.value in words

    def parse(self) -> Rule:
        if self.peek().kind == "end":
            self.fail(self.peek(), "the rule is empty")
        node = self.rule()
        tok = self.peek()
        if tok.kind != "end":
            self.fail(tok, f"expected 'or', 'and' or the end of the rule, found {tok.text!r}")
        return node

    def rule(self) -> Rule:
        options = [self.all()]
        listed = None  # a bare "," between alternatives, as in the Annex's "CTH, RVC40, or CR"
        while True:
            tok = self.peek()
            if tok.kind == "punct" and tok.text in ",;" and self.is_word(self.peek(1), "or"):
                self.take()
            elif tok.kind == "punct" and tok.text == "," and self.starts_factor(self.peek(1)):
                self.take()
                listed = listed or tok
                options.append(self.all())
                continue
            if not self.is_word(self.peek(), "or"):
                break
            self.take()
            options.append(self.all())
            listed = None
        if listed is not None:  # "CTH, RVC40" alone could be a typo for "and": refuse to guess
            self.fail(
                listed, "a list of alternatives must end with 'or' (e.g. 'CTH, RVC40, or CR')"
            )
        return options[0] if len(options) == 1 else AnyOf(tuple(options))

    def starts_factor(self, tok: _Tok) -> bool:
        if tok.kind == "rvc" or (tok.kind == "punct" and tok.text == "("):
            return True
        return tok.kind == "word" and tok.text.upper() in {"WO", "CR", *CTC_LEVELS}

    def all(self) -> Rule:
        parts = [self.factor()]
        while self.is_word(self.peek(), "and"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def factor(self) -> Rule:
        tok = self.take()
        if tok.kind == "punct" and tok.text == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                self.fail(tok, f"parentheses are nested more than {MAX_NESTING} deep")
            node = self.rule()
            self.depth -= 1
            close = self.take()
            if not (close.kind == "punct" and close.text == ")"):
                self.fail(close, "expected ')'")
            return node
        if tok.kind == "rvc":
            pct = Decimal(tok.value)
            if not 0 < pct <= 100:
                self.fail(tok, "an RVC threshold must be above 0 and at most 100")
            return Rvc(pct)
        if tok.kind == "word":
            word = tok.text.upper()
            if word == "WO":
                return Wo()
            if word == "CR":
                return Cr()
            if word in CTC_LEVELS:
                return Ctc(word, self.exclusions())
            if word == "RVC":
                self.fail(self.peek(), "expected a percentage after 'RVC' (e.g. RVC40)")
        found = "the end of the rule" if tok.kind == "end" else repr(tok.text)
        self.fail(tok, f"expected a criterion (WO, CR, CC, CTH, CTSH or RVCnn), found {found}")
        raise AssertionError  # unreachable: fail() raises

    def exclusions(self) -> tuple[Exclusion, ...]:
        if not self.is_word(self.peek(), "except"):
            return ()
        self.take()
        tok = self.take()
        if not self.is_word(tok, "from"):
            self.fail(tok, "expected 'from' after 'except'")
        out = [self.scope(None)]
        while True:
            sep, nxt = self.peek(), self.peek(1)
            continues = (sep.kind == "punct" and sep.text == ",") or self.is_word(sep, "and", "or")
            if continues and (nxt.kind == "code" or self.is_word(nxt, *_SCOPE_WORDS)):
                self.take()
                out.append(self.scope(out[-1].level))
            else:
                return tuple(out)

    def scope(self, inherited: str | None) -> Exclusion:
        tok = self.peek()
        level = inherited
        if tok.kind == "word":
            if tok.value not in _SCOPE_WORDS:
                self.fail(tok, "expected 'Chapter', 'heading' or 'subheading' after 'except from'")
            level = _SCOPE_WORDS[tok.value]
            self.take()
        if level is None:
            self.fail(tok, "expected 'Chapter', 'heading' or 'subheading' after 'except from'")
        first = self.code(level)
        last = first
        tok = self.peek()
        if (tok.kind == "punct" and tok.text in _RANGE_WORDS) or self.is_word(tok, "through", "to"):
            self.take()
            last = self.code(level)
            if last < first:
                self.fail(tok, f"the range ends ({last}) before it starts ({first})")
        return Exclusion(level, first, last)

    def code(self, level: str) -> str:
        tok = self.take()
        if tok.kind != "code":
            self.fail(tok, f"expected a {level} code")
        digits = hs.compact(tok.text)
        want = _SCOPE_DIGITS[level]
        if level == "chapter" and len(digits) == 1:
            digits = "0" + digits
        if len(digits) != want or not digits.isdigit():
            self.fail(tok, f"a {level} code has {want} digits, found {tok.text!r}")
        return digits


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """Parse rule text into a tree of criteria (cached: each distinct text is parsed once)."""
    if not isinstance(text, str):
        raise TypeError("rule text must be a string")
    if len(text) > MAX_RULE_CHARS:
        raise RuleSyntaxError(
            text, MAX_RULE_CHARS, f"the rule is longer than {MAX_RULE_CHARS} characters"
        )
    return _Parser(text).parse()
