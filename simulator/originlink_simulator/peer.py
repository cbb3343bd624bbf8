"""The simulated peers, without HTTP: receive a message, check it as strictly as a real peer,
answer with a receipt, and schedule the callbacks the rules choose. `server.py` puts this on
HTTP; tests may drive it directly."""

from __future__ import annotations

import heapq
import json
import logging
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import rfc8785
from fastjsonschema import JsonSchemaValueException

from originlink.classify import classify_certificate
from originlink.credentials.certification import ENDORSEMENT_TYP, endorsement_claims
from originlink.exchange import messages as m
from originlink.exchange import signature
from originlink.formats.canonical import digest as canonical_digest
from originlink.model import Certificate
from originlink.signing import JwsError, LocalKeySigner, sign_jws, verify_jws

from .rules import Rules

log = logging.getLogger("originlink.simulator")

XSD = Path(__file__).with_name("schemas") / "ubl-2.1/xsd/maindoc/UBL-CertificateOfOrigin-2.1.xsd"
CALLBACK_TRIES = 8


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Refused(Exception):
    """A message a real peer would refuse: HTTP status and a machine code."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@cache
def _json_validator(version: str):
    """The published schema of the version, compiled (fastjsonschema: a customs gateway
    validates every message; the tests check the same schemas with `jsonschema` too)."""
    import fastjsonschema

    return fastjsonschema.compile(m.json_schema(version))


@cache
def _ubl_schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD)))


@dataclass
class Faults:
    """Faults on demand (`POST /control/faults`); `parties` limits them (None: all)."""

    status: int | None = None  # answer this status instead (e.g. 503)
    count: int | None = None  # for this many requests (None: until cleared)
    delay_seconds: float = 0.0  # answer this late
    drop_connection: bool = False  # close the connection without answering
    after_processing: bool = False  # the fault strikes after the message was taken in
    duplicate_callbacks: bool = False  # send every callback twice (and its content once more)
    out_of_order: bool = False  # the decision before the receipt
    silent: bool = False  # take messages in, never call back (an answer that never comes)
    parties: list[str] | None = None

    def applies(self, party: str) -> bool:
        return self.parties is None or party in self.parties

    def request_fault(self) -> bool:
        """Whether this request meets the status/drop fault (and count it)."""
        if self.status is None and not self.drop_connection:
            return False
        if self.count is None:
            return True
        if self.count <= 0:
            return False
        self.count -= 1
        return True


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    peer: str = field(compare=False)
    body: dict = field(compare=False)
    tries: int = field(default=0, compare=False)


class Simulator:
    def __init__(
        self,
        *,
        rules: Rules,
        secrets_by_peer: dict[str, str],
        service_jwks: Callable[[bool], dict],
        post_callback: Callable[[str, bytes, dict], tuple[int, dict]] | None = None,
        data_dir: Path | None = None,
        issuing_bodies: list[str] = ("CN-GACC",),
    ):
        self.rules = rules
        self.secrets = dict(secrets_by_peer)
        self._service_jwks = service_jwks
        self._post = post_callback
        self.faults = Faults()
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], dict] = {}  # (peer, message id) -> receipt
        self._stats = Counter()
        self._by_party: dict[str, Counter] = defaultdict(Counter)
        self._by_certificate: dict[str, Counter] = defaultdict(Counter)
        self.log: list[dict] = []  # one line per message taken in
        self._refs = Counter()
        self._jobs: list[_Job] = []
        self._seq = 0
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self.keys = {body: self._key(body, data_dir) for body in issuing_bodies}
        self._sender = threading.Thread(target=self._send_loop, name="callbacks", daemon=True)
        self._sender.start()

    # --- keys ---------------------------------------------------------------------------
    @staticmethod
    def _key(body: str, data_dir: Path | None) -> LocalKeySigner:
        """The issuing body's own signing key (kept in data_dir across restarts)."""
        from cryptography.hazmat.primitives.asymmetric import ec

        if data_dir is None:
            return LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))
        path = Path(data_dir) / "keys" / f"{body}.pem"
        return LocalKeySigner.load(path) if path.exists() else LocalKeySigner.generate(path)

    def jwks(self) -> dict:
        return {"keys": [signer.public_jwk for signer in self.keys.values()]}

    # --- receiving --------------------------------------------------------------------------
    def _verified(self, check: Callable[[dict], object]):
        try:
            return check(self._service_jwks(False))
        except m.MessageError as exc:
            if "unknown key" not in str(exc):
                raise
            return check(self._service_jwks(True))  # the service rotated its key

    def receive(self, role: str, peer: str, headers, body: bytes) -> tuple[int, dict]:
        """Take in a message (`role`: customs | issuing). Returns (status, answer); raises
        Refused for what a real peer refuses."""
        with self._lock:
            self._stats["requests"] += 1
        secret = self.secrets.get(peer)
        known = role == "customs" and len(peer) == 2 or role == "issuing" and peer in self.keys
        if secret is None or not known:
            raise Refused(404, "unknown_peer", f"no {role} peer {peer!r} here")
        check = signature.verify(secret, headers, body)
        if not check.ok:
            raise Refused(401, check.code, check.message)
        fmt = _header(headers, "OriginLink-Message-Version") or ""
        kind, _, version = fmt.partition("/")
        if version not in m.FORMATS.get(kind, ()):
            raise Refused(415, "unsupported_version", f"unknown message version {fmt!r}")
        accepted = self.rules.accepted_formats(peer)
        if accepted is not None and fmt not in accepted:
            raise Refused(415, "unsupported_version", f"{peer} takes {', '.join(accepted)}")
        message = self._read(kind, version, body)
        head = message["header"]
        if head["recipient"] != peer:
            raise Refused(422, "wrong_recipient", f"addressed to {head['recipient']}, not {peer}")
        purpose = "certification" if role == "issuing" else "import"
        if head["purpose"] != purpose:
            raise Refused(422, "wrong_purpose", f"purpose {head['purpose']!r} sent to {role}")
        if head["id"] != _header(headers, signature.MESSAGE_ID_HEADER):
            raise Refused(422, "message_id_mismatch", "the header and the message disagree")
        return self._take_in(role, peer, fmt, message)

    def _read(self, kind: str, version: str, body: bytes) -> dict:
        try:
            if kind == "json":
                message = self._verified(lambda jwks: m.read_json(body, jwks))
                try:
                    _json_validator(version)(message)
                except JsonSchemaValueException as exc:
                    raise Refused(422, "schema", exc.message[:500]) from exc
                if message["version"] != version:
                    raise Refused(422, "version_mismatch", "body and header versions differ")
                cert = Certificate.model_validate(message["certificate"])
            else:
                read = self._verified(lambda jwks: m.read_ubl(body, jwks))
                schema = _ubl_schema()
                if not schema.validate(read.document):
                    raise Refused(422, "schema", str(schema.error_log.last_error)[:500])
                message = {
                    "header": read.header,
                    "attestation": read.attestation,
                    "certification": read.certification,
                }
                cert = read.certificate
        except m.MessageError as exc:
            raise Refused(422, "signature", str(exc)) from exc
        self._check_attestation(message["attestation"], cert)
        message["cert"] = cert
        return message

    def _check_attestation(self, attestation: dict, cert: Certificate) -> None:
        """OriginLink's own signature over the certificate: its digest must be this one's."""
        digest = canonical_digest(cert)
        if attestation.get("digest") != digest:
            raise Refused(422, "attestation", "the certificate's digest is not the attested one")
        try:
            try:
                claims = verify_jws(attestation.get("jws") or "", self._service_jwks(False))
            except JwsError:
                claims = verify_jws(attestation.get("jws") or "", self._service_jwks(True))
        except JwsError as exc:
            raise Refused(422, "attestation", f"attestation: {exc}") from exc
        expected = (digest, attestation.get("public_id"), cert.number)
        if (claims.get("digest"), claims.get("public_id"), claims.get("number")) != expected:
            raise Refused(422, "attestation", "the attestation names another certificate")

    def _take_in(self, role: str, peer: str, fmt: str, message: dict) -> tuple[int, dict]:
        head, cert = message["header"], message["cert"]
        cid = message["attestation"]["certificate_id"]
        key = (peer, head["id"])
        with self._lock:
            self._stats["messages"] += 1
            self._by_party[peer]["messages"] += 1
            self._by_certificate[cid]["attempts"] += 1
            if key in self._seen:  # a retry: the same answer, nothing done twice
                self._stats["duplicates"] += 1
                return 200, {**self._seen[key], "duplicate": True}
            self._refs[peer] += 1
            reference = f"{peer}-{date.today().year}-{self._refs[peer]:06d}"
            receipt = {"reference": reference, "message_id": head["id"], "status": "received"}
            self._seen[key] = receipt
            self._stats["unique"] += 1
            self._by_party[peer]["unique"] += 1
            self._by_certificate[cid][f"{peer}/{head['function']}"] += 1
            entry = {
                "message_id": head["id"],
                "peer": peer,
                "role": role,
                "format": fmt,
                "function": head["function"],
                "review": head.get("review"),
                "certificate_id": cid,
                "number": cert.number,
                "reference": reference,
                "at": _now_iso(),
            }
            self.log.append(entry)
        self._schedule(role, peer, message, reference, entry)
        return 202, {**receipt, "duplicate": False}

    # --- deciding and calling back ----------------------------------------------------------
    def facts(self, cert: Certificate, head: dict) -> dict:
        return {
            "hs_chapter": sorted({g.hs_code[:2] for g in cert.goods_items}),
            "lane": classify_certificate(cert, today=date.today()).lane,
            "importing_party": cert.importing_party,
            "review": head.get("review") or "none",
        }

    def _schedule(self, role: str, peer: str, message: dict, reference: str, entry: dict):
        head, cert, att = message["header"], message["cert"], message["attestation"]
        rules = self.rules
        base = {
            "in_reply_to": head["id"],
            "certificate": {
                "id": att["certificate_id"],
                "public_id": att["public_id"],
                "number": cert.number,
                "digest": att["digest"],
            },
            "reference": reference,
        }
        faults = self.faults if self.faults.applies(peer) else Faults()
        if faults.silent:
            return
        plan: list[tuple[float, dict]] = []
        if role == "issuing":
            rule = rules.decide(self.facts(cert, head), issuing=True)
            entry["outcome"] = rule.outcome
            plan.append((rules.decision_after, self._decision(peer, rule, base, att, cert)))
        elif head["function"] == "cancel":
            entry["outcome"] = "cancellation_received"
            plan.append((rules.received_after, {**base, "type": "cancellation_received"}))
        else:
            rule = rules.decide(self.facts(cert, head), issuing=False)
            entry["outcome"] = rule.outcome
            decision = {**base, "type": rule.outcome}
            if rule.outcome == "rejected":
                decision["reasons"] = rule.reasons or [{"code": "REJECTED", "text": "rejected"}]
            if rule.outcome == "query":
                decision["question"] = rule.question or "Please send the supporting documents."
            plan.append((rules.received_after, {**base, "type": "received"}))
            plan.append((rules.decision_after, decision))
            if rule.outcome == "accepted" and rules.utilise_after >= 0:
                plan.append(
                    (rules.decision_after + rules.utilise_after, {**base, "type": "utilised"})
                )
        if faults.out_of_order and len(plan) > 1:
            delays = [d for d, _ in plan][::-1]
            plan = [(d, body) for d, (_, body) in zip(delays, plan, strict=True)]
        now = time.monotonic()
        with self._lock:
            for delay, body in plan:
                body = {"message_id": "cb_" + secrets.token_hex(10), **body}
                self._push(now + delay, peer, body)
                if faults.duplicate_callbacks:
                    self._push(now + delay + 0.05, peer, dict(body))  # the same message again
                    again = {**body, "message_id": "cb_" + secrets.token_hex(10)}
                    self._push(now + delay + 0.1, peer, again)  # the same content, a new id
        self._wakeup.set()

    def _decision(self, body_id: str, rule, base: dict, att: dict, cert: Certificate) -> dict:
        """The issuing body's decision, signed with its own key."""
        at = _now_iso()
        with self._lock:
            self._refs[body_id + "#cert"] += 1
            number = f"{body_id}-{date.today().year}-{self._refs[body_id + '#cert']:06d}"
        reasons = [str(r) for r in rule.reasons] or (
            ["refused by the issuing body"] if rule.outcome == "refused" else None
        )
        claims = endorsement_claims(
            issuing_body=body_id,
            decision=rule.outcome,
            digest=att["digest"],
            number=cert.number,
            at=at,
            certificate_number=number if rule.outcome == "endorsed" else None,
            reasons=reasons if rule.outcome == "refused" else None,
        )
        token = sign_jws(rfc8785.dumps(claims), self.keys[body_id], typ=ENDORSEMENT_TYP)
        out = {**base, "type": rule.outcome, "endorsement": token}
        if rule.outcome == "refused":
            out["reasons"] = [{"code": "REFUSED", "text": r} for r in reasons]
        return out

    def _push(self, due: float, peer: str, body: dict) -> None:
        self._seq += 1
        heapq.heappush(self._jobs, _Job(due, self._seq, peer, body))

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                job = self._jobs[0] if self._jobs else None
                wait = None if job is None else job.due - time.monotonic()
                if job is not None and wait <= 0:
                    heapq.heappop(self._jobs)
                    self._in_flight += 1
            if job is None or wait > 0:
                self._wakeup.wait(timeout=wait if job is not None else 1.0)
                self._wakeup.clear()
                continue
            try:
                self._send(job)
            finally:
                with self._lock:
                    self._in_flight -= 1
                    if not self._jobs and not self._in_flight:
                        self._idle.notify_all()

    def _send(self, job: _Job) -> None:
        body = {**job.body, "at": job.body.get("at") or _now_iso()}
        job.body = body
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            **signature.signed_headers(self.secrets[job.peer], raw, message_id=body["message_id"]),
        }
        status, answer = (0, {})
        if self._post is not None:
            try:
                status, answer = self._post(job.peer, raw, headers)
            except Exception as exc:  # the service is down: try again later
                answer = {"error": str(exc)}
        with self._lock:
            self._stats["callbacks_sent"] += 1
            code = answer.get("code") if isinstance(answer, dict) else None
            if 200 <= status < 300:
                self._stats["callbacks_delivered"] += 1
                self._stats["callbacks_applied" if answer.get("applied") else "callbacks_noop"] += 1
                return
            if status == 409 and code == "message_replayed":
                self._stats["callbacks_replay_refused"] += 1
                return
            if 400 <= status < 500 and status not in (408, 429):
                self._stats["callbacks_refused"] += 1
                log.warning("callback %s refused: %s %s", body["message_id"], status, answer)
                return
            job.tries += 1
            if job.tries >= CALLBACK_TRIES:
                self._stats["callbacks_abandoned"] += 1
                return
            self._push(time.monotonic() + min(30.0, 0.25 * 2**job.tries), job.peer, body)

    # --- control ---------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Until every scheduled callback was sent (and answered), or the timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._jobs and not self._in_flight, timeout)

    def stats(self) -> dict:
        with self._lock:
            return {
                **dict(self._stats),
                "pending_callbacks": len(self._jobs) + self._in_flight,
                "by_party": {p: dict(c) for p, c in self._by_party.items()},
                "certificates": {c: dict(v) for c, v in self._by_certificate.items()},
            }

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
            self._stats.clear()
            self._by_party.clear()
            self._by_certificate.clear()
            self.log.clear()
            self._jobs.clear()
            self.faults = Faults()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        self._sender.join(timeout=5)


def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value
