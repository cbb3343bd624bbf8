"""Human-typable short codes for public ids, with an ISO 7064 MOD 37-2 check character.

A public id is 16 random bytes (128 bits; the service stores them base64url-encoded). Its short
code is the same 16 bytes in Crockford base32 (26 characters, no I/L/O/U, so nothing is
ambiguous when read aloud or retyped) followed by one ISO 7064 MOD 37-2 check character
(0-9, A-Z or `*`). Every character is in the QR alphanumeric set, so a URL carrying it stays in
alphanumeric mode. The pure MOD 37-2 system catches every single-character error and every swap
of two adjacent characters (weights 2^k mod 37 with 37 prime; the hybrid MOD 37-36 misses
swaps of neighbouring values such as "MN"/"NM"), so a mistyped code is refused before any
lookup.

>>> code = short_code("AAECAwQFBgcICQoLDA0ODw")
>>> code
'00041061050R3GG28A1C60T3GF'
>>> public_id(code + check_character(code))
'AAECAwQFBgcICQoLDA0ODw'
>>> check_character("G123498654321")  # the ISO 7064 MOD 37-2 example
'H'
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

from stdnum.iso7064 import mod_37_2

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ISO7064_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
ID_BYTES = 16  # 128 bits
CODE_LENGTH = 26  # ceil(128 / 5) Crockford symbols
FULL_LENGTH = CODE_LENGTH + 1  # plus the check character

_B64URL = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 bytes, base64url without padding


class InvalidCode(ValueError):
    """The text is not a well-formed public id or short code (or its check character is wrong).
    `reason` is a stable code: malformed | bad_check_character."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_character(text: str) -> str:
    """The ISO 7064 MOD 37-2 check character of `text` (0-9, A-Z or `*`): python-stdnum's
    `iso7064.mod_37_2`, the implementation Odoo itself pins."""
    return mod_37_2.calc_check_digit(text)


def has_valid_check(text: str) -> bool:
    return bool(text) and all(c in ISO7064_ALPHABET for c in text) and mod_37_2.checksum(text) == 1


def _id_bytes(public_id_text: str) -> bytes:
    if not _B64URL.match(public_id_text or ""):
        raise InvalidCode("malformed", "a public id is 22 base64url characters")
    try:
        raw = base64.urlsafe_b64decode(public_id_text + "==")
    except (binascii.Error, ValueError) as exc:
        raise InvalidCode("malformed", "a public id is 22 base64url characters") from exc
    if len(raw) != ID_BYTES or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != (
        public_id_text
    ):
        raise InvalidCode("malformed", "a public id is 22 base64url characters")
    return raw


def short_code(public_id_text: str) -> str:
    """The 26-character Crockford base32 form of a stored public id (without check)."""
    value = int.from_bytes(_id_bytes(public_id_text), "big")
    out = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, 32)
        out.append(CROCKFORD[digit])
    return "".join(reversed(out))


def short_code_with_check(public_id_text: str) -> str:
    code = short_code(public_id_text)
    return code + check_character(code)


def normalize(text: str) -> str:
    """Uppercase, without the spaces and hyphens people add when typing or grouping."""
    return re.sub(r"[\s-]", "", text or "").upper()


def public_id(text: str) -> str:
    """The stored public id for a short code with its check character (typed, scanned or taken
    from a URL). Raises `InvalidCode` — before any lookup — when the shape or the check
    character is wrong."""
    text = normalize(text)
    if len(text) != FULL_LENGTH:
        raise InvalidCode("malformed", f"a verification code has {FULL_LENGTH} characters")
    # No Crockford look-alike mapping (O->0, I/L->1): the check character may itself be O, I,
    # L or U, and mapping it after a swap into the body would defeat the check. A body
    # character outside the alphabet is simply refused.
    body = text[:CODE_LENGTH]
    if any(c not in CROCKFORD for c in body):
        raise InvalidCode("malformed", "a verification code uses 0-9 and A-Z without I, L, O, U")
    if not has_valid_check(body + text[CODE_LENGTH]):
        raise InvalidCode("bad_check_character", "the check character does not match")
    value = 0
    for c in body:
        value = value * 32 + CROCKFORD.index(c)
    if value >> (ID_BYTES * 8):  # 26 symbols hold 130 bits; the top 2 must be zero
        raise InvalidCode("malformed", "the verification code is out of range")
    raw = value.to_bytes(ID_BYTES, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=4096)  # ids are looked up again and again (QR scans, polling)
def resolve(text: str) -> str:
    """A stored public id from either form found in links: the short code (27 characters,
    checked) or the stored base64url id itself (22 characters). Raises `InvalidCode`."""
    if text and len(text) == 22 and _B64URL.match(text):
        _id_bytes(text)
        return text
    return public_id(text)


def group(code: str, size: int = 4) -> str:
    """`XXXX-XXXX-...` for printing next to the QR, easier to read aloud and type."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))
