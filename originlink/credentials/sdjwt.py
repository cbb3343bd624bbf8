"""Selective Disclosure for JWTs (IETF SD-JWT, RFC 9901) — the parts OriginLink uses.

One issuance signs salted digests of every field; each view of a certificate (public,
access-code, owner's full) is the same signed JWT with only the disclosures of the fields it
shows. Editing a disclosed value changes its digest, which the signature no longer covers;
adding a field needs a digest the issuer never signed; so every view verifies on its own and
an edited field always fails.

    <issuer-signed JWT>~<disclosure>~<disclosure>~...~        (no key binding: trailing ~)

A disclosure is base64url(JSON [salt, name, value]) for an object property and
base64url(JSON [salt, value]) for an array element; its digest is base64url(SHA-256 of the
disclosure's ASCII text). Objects carry their concealed properties as `_sd: [digest, ...]`;
arrays carry concealed elements as `{"...": digest}`. Properties whose value is an object are
disclosed recursively (the disclosed object has its own `_sd`), so a view can show
`exporter.name` without `exporter.address` and the signed JWT stays small whatever the number
of goods items (what KMS signs is bounded).

Signed with the service's `Signer` (local key or AWS KMS: the private key never leaves KMS),
which is why the issuing side is written here rather than taken from a library that wants the
private key in memory. The format is checked against the IETF reference implementation
(`sd-jwt`) and an independent JOSE library in the tests (`tests/verification/test_forgery.py`).
Needs `cryptography` only to sign and verify (through `originlink.signing`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SD_ALG = "sha-256"
SD = "_sd"
SD_ALG_KEY = "_sd_alg"
ELEMENT = "..."
SEPARATOR = "~"

Path = tuple  # ("certificate", "goods_items", 0, "fob_value"): where a disclosure sits


class SdJwtError(ValueError):
    """The SD-JWT is malformed, its signature does not verify, or a disclosure is not covered
    by it. `code` is stable: malformed | signature_invalid | unknown_key | wrong_type |
    disclosure_not_signed | duplicate_disclosure | claim_collision."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _b64(data: bytes) -> str:
    # base64url without padding, as originlink.signing.jws writes it; not imported from
    # there, which needs `cryptography` (this module builds disclosures without it).
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# One encoder for every disclosure: json.dumps with these options builds a new encoder per
# call, which is a tenth of an issuance's ~120 disclosures.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _unb64(text: str) -> bytes:
    from originlink.signing.jws import JwsError, b64url_decode

    try:
        return b64url_decode(text)
    except JwsError as exc:
        raise SdJwtError("malformed", "a disclosure is not base64url") from exc


def disclosure_digest(disclosure: str) -> str:
    return _b64(hashlib.sha256(disclosure.encode("ascii")).digest())


@dataclass(frozen=True)
class Disclosure:
    text: str  # the base64url form, as it travels
    path: Path  # where its claim sits in the reconstructed claims
    digest: str


@dataclass
class Issued:
    """What one issuance produced: the signed JWT and every disclosure, with its path."""

    jwt: str
    disclosures: list[Disclosure] = field(default_factory=list)

    def present(self, keep: Callable[[Path], bool] | None = None) -> str:
        """The compact SD-JWT with the disclosures whose path `keep` accepts (all by default).
        A disclosure is kept only with every disclosure above it (a child without its parent
        could not be reached)."""
        every = {d.path for d in self.disclosures}
        kept = {d.path for d in self.disclosures if keep is None or keep(d.path)}
        chosen = [
            d.text
            for d in self.disclosures
            if d.path in kept
            and all(d.path[:i] in kept for i in range(1, len(d.path)) if d.path[:i] in every)
        ]
        return SEPARATOR.join([self.jwt, *chosen, ""])

    def to_text(self) -> str:
        return self.present()


def conceal(value, path: Path, out: list[Disclosure], salt: Callable[[Path], str]):
    """`value` with every object property concealed behind a digest, recursively; the
    disclosures are appended to `out` (parents before children)."""
    if isinstance(value, dict):
        digests = []
        for name, child in value.items():
            if name in (SD, ELEMENT):
                raise ValueError(f"{'.'.join(map(str, path + (name,)))}: reserved claim name")
            index = len(out)
            out.append(None)  # keep parents before children
            concealed = conceal(child, path + (name,), out, salt)
            text = _b64(_COMPACT.encode([salt(path + (name,)), name, concealed]).encode("utf-8"))
            digest = disclosure_digest(text)
            out[index] = Disclosure(text, path + (name,), digest)
            digests.append(digest)
        return {SD: sorted(digests)}
    if isinstance(value, list):
        return [conceal(item, path + (i,), out, salt) for i, item in enumerate(value)]
    return value


def issue(
    plain_claims: dict,
    concealed_claims: dict,
    signer,
    *,
    typ: str,
    extra_header: dict | None = None,
    salt: Callable[[Path], str] | None = None,
) -> Issued:
    """Sign `plain_claims` (always visible) plus `concealed_claims`, every property of which
    (recursively) becomes a disclosure. `salt(path)` gives each disclosure's salt (default:
    128 random bits each)."""
    from originlink.signing import sign_jws

    disclosures: list[Disclosure] = []
    salt = salt or (lambda path: secrets.token_urlsafe(16))  # 128 bits
    payload = dict(plain_claims)
    for name, value in concealed_claims.items():
        if name in payload:
            raise ValueError(f"{name}: both plain and concealed")
        payload[name] = conceal(value, (name,), disclosures, salt)
    payload[SD_ALG_KEY] = SD_ALG
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    jwt = sign_jws(body, signer, typ=typ, extra_header=extra_header)
    return Issued(jwt, disclosures)


def rebuild(jwt: str, concealed_claims: dict, salt: Callable[[Path], str]) -> Issued:
    """An issuance again from its signed JWT, the claims it concealed and its salts: the same
    disclosures, so nothing but the JWT and a salt seed need be stored."""
    disclosures: list[Disclosure] = []
    for name, value in concealed_claims.items():
        conceal(value, (name,), disclosures, salt)
    return Issued(jwt, disclosures)


def load(text: str) -> Issued:
    """An issuance back from its stored form (the JWT with every disclosure), each disclosure
    given its path again. Nothing is verified here: the views it presents are."""
    from originlink.signing.jws import decode_unverified

    jwt, texts = parse(text)
    _, payload = decode_unverified(jwt)
    by_digest = {disclosure_digest(t): t for t in texts}
    found: list[Disclosure] = []

    def walk(value, path: Path) -> None:
        if isinstance(value, dict):
            for digest in value.get(SD, []):
                text_ = by_digest.get(digest)
                if text_ is None:
                    continue
                _, name, child = json.loads(_unb64(text_))
                found.append(Disclosure(text_, path + (name,), digest))
                walk(child, path + (name,))
            for name, child in value.items():
                if name != SD:
                    walk(child, path + (name,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, path + (i,))

    walk(json.loads(payload), ())
    order = {t: i for i, t in enumerate(texts)}  # as issued: parents first, document order
    return Issued(jwt, sorted(found, key=lambda d: order[d.text]))


def parse(text: str) -> tuple[str, list[str]]:
    """(issuer-signed JWT, disclosures) of a compact SD-JWT without key binding."""
    parts = str(text).strip().split(SEPARATOR)
    if len(parts) < 2 or parts[-1] != "":
        raise SdJwtError(
            "malformed", "not a compact SD-JWT (JWT~disclosures~, without key binding)"
        )
    return parts[0], parts[1:-1]


@dataclass
class Verified:
    header: dict
    claims: dict  # reconstructed: plain claims plus the disclosed ones, no digests left
    disclosed: list[Path]  # the paths of the disclosed claims
    concealed: int  # digests left undisclosed (fields signed but not shown)


def verify(text: str, jwks: dict, *, typ: Iterable[str]) -> Verified:
    """Verify a compact SD-JWT against a JWKS and reconstruct what it discloses. Raises
    `SdJwtError` saying why when anything does not hold: the signature, the header type,
    a disclosure the signature does not cover, a digest disclosed twice, a disclosed claim
    that would overwrite a signed one."""
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    jwt, texts = parse(text)
    try:
        header, _ = decode_unverified(jwt)
    except JwsError as exc:
        raise SdJwtError("malformed", f"the issuer-signed JWT: {exc}") from exc
    if header.get("typ") not in set(typ):
        raise SdJwtError("wrong_type", f"typ is {header.get('typ')!r}")
    try:
        payload = verify_jws(jwt, jwks)
    except JwsError as exc:
        code = "unknown_key" if "unknown key" in str(exc) else "signature_invalid"
        raise SdJwtError(code, str(exc)) from exc
    if payload.get(SD_ALG_KEY, SD_ALG) != SD_ALG:
        raise SdJwtError("malformed", f"unsupported _sd_alg {payload.get(SD_ALG_KEY)!r}")
    by_digest: dict[str, list] = {}
    for disclosure in texts:
        digest = disclosure_digest(disclosure)
        if digest in by_digest:
            raise SdJwtError("duplicate_disclosure", "a disclosure is given twice")
        try:
            decoded = json.loads(_unb64(disclosure))
        except ValueError as exc:
            raise SdJwtError("malformed", "a disclosure is not JSON") from exc
        if not isinstance(decoded, list) or len(decoded) not in (2, 3):
            raise SdJwtError("malformed", "a disclosure is not [salt, (name,) value]")
        if not isinstance(decoded[0], str) or (len(decoded) == 3 and decoded[1] in (SD, ELEMENT)):
            raise SdJwtError("malformed", "a disclosure has a bad salt or a reserved name")
        if len(decoded) == 3 and not isinstance(decoded[1], str):
            raise SdJwtError("malformed", "a disclosure's claim name is not a string")
        by_digest[digest] = decoded
    state = {"used": set(), "disclosed": [], "concealed": 0}
    claims = _reconstruct(payload, (), by_digest, state, top=True)
    unused = set(by_digest) - state["used"]
    if unused:
        raise SdJwtError(
            "disclosure_not_signed",
            f"{len(unused)} disclosure(s) are not covered by the signature",
        )
    return Verified(header, claims, state["disclosed"], state["concealed"])


def _reconstruct(value, path: Path, by_digest: dict, state: dict, top: bool = False):
    if isinstance(value, dict):
        out = {}
        for name, child in value.items():
            if name == SD or (top and name == SD_ALG_KEY):
                continue
            out[name] = _reconstruct(child, path + (name,), by_digest, state)
        digests = value.get(SD, [])
        if not isinstance(digests, list):
            raise SdJwtError("malformed", "_sd is not a list")
        for digest in digests:
            decoded = by_digest.get(digest)
            if decoded is None:
                state["concealed"] += 1
                continue
            if digest in state["used"] or len(decoded) != 3:
                raise SdJwtError("duplicate_disclosure", "a digest is referenced twice")
            state["used"].add(digest)
            _, name, child = decoded
            if name in out:
                raise SdJwtError("claim_collision", f"{name}: disclosed over a signed claim")
            state["disclosed"].append(path + (name,))
            out[name] = _reconstruct(child, path + (name,), by_digest, state)
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict) and set(item) == {ELEMENT}:
                decoded = by_digest.get(item[ELEMENT])
                if decoded is None:
                    state["concealed"] += 1
                    continue
                if item[ELEMENT] in state["used"] or len(decoded) != 2:
                    raise SdJwtError("duplicate_disclosure", "a digest is referenced twice")
                state["used"].add(item[ELEMENT])
                state["disclosed"].append(path + (len(out),))
                out.append(_reconstruct(decoded[1], path + (len(out),), by_digest, state))
            else:
                out.append(_reconstruct(item, path + (len(out),), by_digest, state))
        return out
    return value
