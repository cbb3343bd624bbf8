import base64
import re

from odoo import fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.rcep_eco.originlink_bridge import CRITERIA, rcep_parties
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

_MODEL = "rcep.supplier.declaration"
# What a supplier may attach: a signed declaration, as a PDF or an image, up to 10 MB.
_DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")
_DOCUMENT_MAX = 10 * 1024 * 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SupplierDeclarationPortal(CustomerPortal):
    """The page a supplier opens from the e-mailed link (or from its portal account) to
    provide or renew its origin declaration. It shows only what is asked of this supplier —
    never the customer's costs, BOMs or other suppliers (issue 13.5)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rcep_declaration_count" in counters:
            values["rcep_declaration_count"] = len(self._rcep_my_declarations())
        return values

    def _rcep_my_declarations(self):
        if request.env.user._is_public():
            return request.env[_MODEL].sudo().browse()
        partner = request.env.user.partner_id.commercial_partner_id
        return (
            request.env[_MODEL]
            .sudo()
            .search([("partner_id", "=", partner.id), ("state", "in", ("requested", "received"))])
        )

    @http.route("/my/origin-declarations", type="http", auth="user", website=True)
    def rcep_declarations(self, **_kw):
        values = self._prepare_portal_layout_values()
        values.update(declarations=self._rcep_my_declarations(), page_name="rcep_declarations")
        return request.render("rcep_eco_mrp.portal_my_declarations", values)

    @http.route(
        "/my/origin-declarations/<int:declaration_id>",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
    )
    def rcep_declaration(self, declaration_id, access_token=None, message=None, **_kw):
        declaration = self._rcep_declaration(declaration_id, access_token)
        if declaration is None:
            return request.redirect("/my")
        return self._rcep_render(declaration, access_token, {}, message=message)

    @http.route(
        "/my/origin-declarations/<int:declaration_id>/provide",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def rcep_declaration_provide(self, declaration_id, access_token=None, **post):
        declaration = self._rcep_declaration(declaration_id, access_token)
        if declaration is None:
            return request.redirect("/my")
        values, errors = self._rcep_read_form(declaration, post)
        if not errors:
            try:
                who = values.pop("_who")
                declaration._portal_provide(values, who=who)
            except (UserError, ValidationError) as exc:
                request.env.cr.rollback()
                errors["form"] = str(exc.args[0] if exc.args else exc)
        if errors:
            return self._rcep_render(declaration, access_token, post, errors=errors, status=400)
        query = (
            f"?access_token={access_token}&message=provided"
            if access_token
            else "?message=provided"
        )
        return request.redirect(f"/my/origin-declarations/{declaration.id}{query}")

    # --- helpers ----------------------------------------------------------------------------

    def _rcep_declaration(self, declaration_id, access_token):
        """The declaration, sudo, for its supplier (portal account of the same company) or
        whoever holds the e-mailed link's token; None otherwise."""
        try:
            declaration = self._document_check_access(_MODEL, declaration_id, access_token)
        except (AccessError, MissingError):
            declaration = request.env[_MODEL].sudo().browse(declaration_id).exists()
            user = request.env.user
            mine = (
                declaration
                and not user._is_public()
                and declaration.partner_id == user.partner_id.commercial_partner_id
            )
            return declaration if mine else None
        return declaration

    def _rcep_render(self, declaration, access_token, post, errors=None, message=None, status=200):
        env = request.env
        parties = rcep_parties()
        countries = env["res.country"].sudo().search([], order="name")
        values = {
            "declaration": declaration,
            "access_token": access_token,
            "post": post,
            "errors": errors or {},
            "message": message,
            "party_countries": countries.filtered(lambda c: c.code in parties),
            "countries": countries,
            "criteria": [(code, env._(label)) for code, label in CRITERIA],  # noqa: INT001
            "page_name": "rcep_declaration",
            "can_provide": declaration.state in ("requested", "received"),
        }
        response = request.render("rcep_eco_mrp.portal_declaration_page", values)
        response.status_code = status
        return response

    def _rcep_read_form(self, declaration, post):
        """The fields of the form, checked one by one; errors name the field and the reason."""
        _ = request.env._
        errors, values = {}, {}
        originating = post.get("originating")
        if originating not in ("yes", "no"):
            errors["originating"] = _("Say whether the goods are originating.")
        values["originating"] = originating == "yes"
        country = request.env["res.country"]
        if post.get("country"):
            country = country.sudo().search([("code", "=", post["country"])], limit=1)
            if not country:
                errors["country"] = _("Choose a country from the list.")
        if values["originating"]:
            if not country:
                errors["country"] = _("Name the RCEP Party where the goods originate.")
            elif country.code not in rcep_parties():
                errors["country"] = _(
                    "%s is not a Party to RCEP: goods originating there are not RCEP-originating.",
                    country.name,
                )
            if post.get("criterion") not in dict(CRITERIA):
                errors["criterion"] = _("Choose the origin criterion the goods meet.")
            values["criterion"] = post.get("criterion")
        else:
            values["criterion"] = False
        values["country_id"] = country.id or False
        for name in ("date_from", "date_to"):
            try:
                values[name] = fields.Date.to_date(post.get(name) or None)
            except ValueError:
                values[name] = None
            if not values[name]:
                errors[name] = _("Give the date as YYYY-MM-DD.")
        if values["date_from"] and values["date_to"] and values["date_to"] < values["date_from"]:
            errors["date_to"] = _("The end of validity comes before its start.")
        values["reference"] = (post.get("reference") or "").strip()[:100] or False
        values["note"] = (post.get("note") or "").strip()[:2000] or False
        signer = (post.get("signer_name") or "").strip()[:200]
        email = (post.get("signer_email") or "").strip()[:200]
        if not signer:
            errors["signer_name"] = _("Give the name of the person making the declaration.")
        if email and not _EMAIL.match(email):
            errors["signer_email"] = _("This is not an e-mail address.")
        values["_who"] = f"{signer} <{email}>" if email else signer
        upload = request.httprequest.files.get("document")
        if upload and upload.filename:
            content = upload.read(_DOCUMENT_MAX + 1)
            if len(content) > _DOCUMENT_MAX:
                errors["document"] = _("The document is larger than 10 MB.")
            elif upload.mimetype not in _DOCUMENT_TYPES:
                errors["document"] = _("Attach the signed declaration as a PDF, PNG or JPEG file.")
            else:
                values["document"] = base64.b64encode(content)
                values["document_name"] = upload.filename[:200]
        elif not declaration.document:
            errors["document"] = _("Attach the signed declaration (PDF, PNG or JPEG).")
        return values, errors
