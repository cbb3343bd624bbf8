"""The customs exchange: where each certificate goes and how, and what comes back.

- `config`: destinations (per importing Party: adapter, message version, endpoint, credentials,
  product categories, mode) and issuing bodies, read from one file (docs/customs.md);
- `routing`: what a new certificate owes to whom (endorsement, forwarding, or paper);
- `adapters`: the signed message for a destination (JSON 1.0/1.1, UBL 2.1) and its HTTP send;
- `forwarding`: what the outbox worker does with each kind of entry, and what it records;
- `callbacks`: signed answers from customs and issuing bodies, applied in order, once;
- `official`: the official certificate an exporter records (issued outside OriginLink);
- `webhooks`: exporters' webhooks, rung on every status change.

The outbox worker itself (leases, retries, dead letters, SQS) is `originlink_service.outbox`.
"""
