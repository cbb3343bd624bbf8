"""`did:web` identifier and DID document of a service host (W3C did:web method).

The document lists every key of the JWKS (active and retired, as the JWKS does) as a
`JsonWebKey` verification method usable for `assertionMethod` — what a VC verifier resolves.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def did_web(base_url_or_host: str) -> str:
    """did:web of a host; a port is percent-encoded (`did:web:localhost%3A8000`).

    >>> did_web("https://Verify.Example.com/")
    'did:web:verify.example.com'
    >>> did_web("127.0.0.1:8000")
    'did:web:127.0.0.1%3A8000'
    """
    text = base_url_or_host.strip()
    host = urlsplit(text).netloc if "://" in text else text.split("/", 1)[0]
    if not host:
        raise ValueError(f"no host in {base_url_or_host!r}")
    return "did:web:" + quote(host.lower(), safe=".-")


def did_document(did: str, jwks: dict) -> dict:
    methods = []
    for jwk in jwks.get("keys", []):
        public = {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}
        methods.append(
            {
                "id": f"{did}#{jwk['kid']}",
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": public,
            }
        )
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
