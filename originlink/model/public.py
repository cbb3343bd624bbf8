"""The public view of a certificate: what anyone holding the link may see.

Never FOB values, prices, quantities, supplier or origin evidence, producer data, or addresses
(architecture: "privacy by default on public pages"). Built by listing what is shown, not by
removing what is hidden, so a field added to the model later stays private until listed here.
"""

from __future__ import annotations

from .certificate import Certificate


def public_view(cert: Certificate) -> dict:
    """JSON-ready dict of the public fields only."""
    if cert.certification:
        issuer = {"kind": "issuing_body", "name": cert.certification.issuing_body}
    elif cert.document_type == "declaration_of_origin":
        issuer = {"kind": "approved_exporter", "code": cert.approved_exporter_code}
    else:  # Art 3.16.1(c): the exporter or producer declares it, with no authorisation code
        issuer = {"kind": "exporter_or_producer", "name": cert.exporter.name}
    return {
        "agreement": cert.agreement,
        "document_type": cert.document_type,
        "number": cert.number,
        "issuer": issuer,
        "issue_date": cert.issue_date.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "exporting_party": cert.exporting_party,
        "exporter": {"name": cert.exporter.name, "country": cert.exporter.country},
        "importing_party": cert.importing_party,
        "issued_retroactively": cert.issued_retroactively,
        "certified_true_copy": cert.certified_true_copy is not None,
        "back_to_back": cert.back_to_back is not None,
        "goods_items": [
            {
                "item_number": item.item_number,
                "description": item.description,
                "hs_code": item.hs_code,
                "hs_edition": item.hs_edition,
                "origin_criterion": item.origin_criterion,
                "country_of_origin": item.country_of_origin,
                "country_of_origin_marker": item.country_of_origin_marker,
            }
            for item in cert.goods_items
        ],
    }


public_dict = public_view
