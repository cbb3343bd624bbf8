"""One `Problem` for the whole core: what is wrong, where, and which article requires it.

The certificate model, the origin engine, the HS codes and the CLI all report with it; the
service turns it into RFC 9457 problem details and the Odoo addon into `UserError` lines.

>>> format_path(("goods_items", 0, "hs_code"))
'goods_items[0].hs_code'
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    """One thing wrong with an input. `code` is stable (machines switch on it); `message` is
    for people and names the field; `article` cites the rule that needs the field (e.g.
    "Annex 3B; Art 3.5"), where there is one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    code: str
    message: str
    article: str | None = None


def format_path(loc: tuple) -> str:
    """A pydantic error location as the JSON path people read: `materials[3].value`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


__all__ = ["Problem", "format_path"]
