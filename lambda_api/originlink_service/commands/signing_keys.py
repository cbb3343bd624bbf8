"""`originlink signing-keys list|rotate`: the service's signing keys.

Local keys live in DATA_DIR/signing-keys (PEM, mode 0600). Rotating creates a new key and makes
it active; retired keys stay in /.well-known/jwks.json so old certificates keep verifying. With
--kms, rotate creates a new KMS key (ECC_NIST_P256) and prints the settings to deploy.
"""

from __future__ import annotations

import json

from .serve import load_service


def _list(args) -> int:
    ctx = load_service(args.data_dir, command="signing-keys")
    keys = ctx.keyring.keys()
    print(json.dumps([{"kid": k["kid"], "status": k["status"]} for k in keys], indent=2))
    return 0


def _rotate(args) -> int:
    ctx = load_service(args.data_dir, command="signing-keys")
    if args.kms:
        from originlink.signing import KmsKeyring

        settings = ctx.settings
        new_key = KmsKeyring.create_key(ctx.aws_client("kms"))
        retired = [k for k in [settings.kms_key_id, *settings.kms_retired_key_ids] if k]
        print(
            json.dumps(
                {
                    "ORIGINLINK_KMS_KEY_ID": new_key,
                    "ORIGINLINK_KMS_RETIRED_KEY_IDS": ",".join(retired),
                },
                indent=2,
            )
        )
        return 0
    if ctx.settings.signer != "local":
        print("originlink: the configured signer is KMS; use --kms")
        return 2
    previous = [k["kid"] for k in ctx.keyring.keys()]
    signer = ctx.keyring.rotate()
    print(json.dumps({"active": signer.kid, "retired": previous}, indent=2))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("signing-keys", help="service signing keys: list, rotate")
    sub = p.add_subparsers(dest="signing_keys_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="key ids, active and retired")
    listing.set_defaults(func=_list)
    rotate = sub.add_parser("rotate", help="new active key; old keys keep verifying")
    rotate.add_argument("--kms", action="store_true", help="create a new AWS KMS key instead")
    rotate.set_defaults(func=_rotate)
    for action in (listing, rotate):
        action.add_argument("--data-dir", default=None, help="data directory (default: var)")
