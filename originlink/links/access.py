"""Access codes: what unlocks a certificate's full view (printed on it, carried in the QR
link's fragment, or typed in).

10 random characters of an alphabet without look-alikes (50 bits; useless without the 128-bit
public id) plus a Luhn mod N check character, so a mistyped code is refused before any lookup.
"""

from __future__ import annotations

import secrets

ACCESS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_N = len(ACCESS_ALPHABET)


def _luhn_sum(code: str, double_first: bool) -> int:
    total, double = 0, double_first
    for ch in reversed(code):
        addend = ACCESS_ALPHABET.index(ch) * (2 if double else 1)
        total += addend // _N + addend % _N
        double = not double
    return total


def new_access_code() -> str:
    body = "".join(secrets.choice(ACCESS_ALPHABET) for _ in range(10))
    return body + ACCESS_ALPHABET[(_N - _luhn_sum(body, True) % _N) % _N]


def access_code_is_valid(code: str) -> bool:
    """Shape and check character; case, spaces and hyphens are forgiven, as people type."""
    code = code.replace(" ", "").replace("-", "").upper()
    if len(code) != 11 or any(ch not in ACCESS_ALPHABET for ch in code):
        return False
    return _luhn_sum(code, False) % _N == 0
