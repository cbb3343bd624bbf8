"""Access codes: what unlocks a certificate's full view (printed on it, carried in the QR
link's fragment, or typed in).

10 random characters of an alphabet without look-alikes (50 bits; useless without the 128-bit
public id) plus a Luhn mod N check character (python-stdnum's `luhn` over that alphabet), so
a mistyped code is refused before any lookup.
"""

from __future__ import annotations

import secrets

from stdnum import luhn

ACCESS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_access_code() -> str:
    body = "".join(secrets.choice(ACCESS_ALPHABET) for _ in range(10))
    return body + luhn.calc_check_digit(body, alphabet=ACCESS_ALPHABET)


def access_code_is_valid(code: str) -> bool:
    """Shape and check character; case, spaces and hyphens are forgiven, as people type."""
    code = code.replace(" ", "").replace("-", "").upper()
    if len(code) != 11 or any(ch not in ACCESS_ALPHABET for ch in code):
        return False
    return luhn.checksum(code, alphabet=ACCESS_ALPHABET) == 0
