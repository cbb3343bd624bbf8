"""What the service's operations refuse, in the domain's words. The HTTP edge (`problems.py`)
is the only place that turns them into statuses; the outbox worker and the CLI read them as
they are.

Each error carries a stable machine `code`, a `detail` sentence naming the field, and where a
rule of the Agreement is the reason, its `article`; `errors` lists field problems when there
are several.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        article: str | None = None,
        errors: list[dict] | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.article = article
        self.errors = errors
        self.extra = extra


class Unauthenticated(ServiceError):
    """A caller authenticated by a signature (customs callbacks) that does not hold."""

    code = "unauthenticated"


class NotFound(ServiceError):
    """Unknown, or owned by another exporter: the same answer for both."""

    code = "not_found"


class InvalidInput(ServiceError):
    """The request or the document breaks a rule; `errors` lists every problem at once."""

    code = "invalid_certificate"

    @classmethod
    def from_problems(cls, problems, *, code: str = "invalid_certificate") -> InvalidInput:
        """From the core's `Problem` list (path, code, message, article)."""
        errors = [p.model_dump() for p in problems]
        first = errors[0] if errors else {}
        detail = first.get("message", "the certificate is not valid")
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more problems, listed in errors[])"
        return cls(detail, code=code, errors=errors, article=first.get("article"))


class InvalidState(ServiceError):
    """The certificate's state does not allow this change."""

    code = "invalid_state"


class Conflict(ServiceError):
    """The request clashes with what is stored: a number already taken, an Idempotency-Key
    used for another request, a record changed since it was read. Nothing was written."""

    code = "conflict"


class Unavailable(ServiceError):
    """Something the answer depends on cannot be reached right now (an issuing body's
    published keys); nothing was changed, and the same request may be sent again later."""

    code = "temporarily_unavailable"
