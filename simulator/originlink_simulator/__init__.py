"""The customs simulator: a faithful test peer for OriginLink's customs exchange.

It plays the destinations' customs (`POST /customs/{party}/messages`) and the issuing bodies
(`POST /issuing/{body}/applications`) as a real peer would: it authenticates each request
(HMAC with the shared secret), checks each message strictly against its format and version
(JSON Schema; the official UBL 2.1 XSD), its signature (the service's JWKS) and its attestation
(the certificate's digest), drops repeated message ids (answering as before, and counting both),
answers with a receipt, then calls back later — received, then accepted, rejected or a query,
chosen by rules on HS chapter, lane and importing Party; an issuing body endorses or refuses
with its own key (`GET /.well-known/jwks.json`). Faults on demand (`POST /control/faults`):
5xx, slowness, dropped connections, failing after processing (a lost answer), duplicate and
out-of-order callbacks. docs/simulator.md.

    originlink simulator run --port 8001 --service-url http://127.0.0.1:8000 \
        --secrets var/customs-secrets.json --data-dir var/simulator
"""
