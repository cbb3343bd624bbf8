"""The customs exchange's shared contracts, in the core so that every party to it uses one
definition: the service (sends messages, verifies callbacks, signs webhooks), the customs
simulator (verifies messages, signs callbacks and endorsements) and the Odoo addon (verifies the
webhooks it receives).

- `signature`: HMAC-SHA256 over timestamp + body, for callbacks from customs and for the
  webhooks the service rings (docs/customs.md, docs/webhooks.md);
- `messages`: the messages sent to a destination or an issuing body — JSON (versions 1.0 and
  1.1) and UBL 2.1 XML — each signed as a whole with the service's key (JWS), their JSON Schemas
  and the mapping of their fields to the WCO Data Model (docs/customs-messages.md).
"""
