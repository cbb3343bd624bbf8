from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

NO_STORE = [("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex")]


class RcepOrderCertificates(CustomerPortal):
    def _rcep_order(self, order_id, access_token):
        """The order, for whoever may see its portal page: its customer (logged in) or the
        holder of its access token; None for anyone else (no hint whether it exists)."""
        try:
            return self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            return None

    @http.route(
        "/my/orders/<int:order_id>/certificates.json",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
    )
    def rcep_certificates_json(self, order_id, access_token=None, **_kw):
        """The order's certificates of origin as JSON, for a platform holding the order's
        access token (`?access_token=`, the token of the order's portal link): what the
        customer's portal page shows, no more (docs/odoo.md)."""
        order = self._rcep_order(order_id, access_token)
        if order is None:
            body = {"error": "not_found", "detail": "no order matches this id and access token"}
            return request.make_json_response(body, headers=NO_STORE, status=404)
        return request.make_json_response(order._rcep_portal_certificates_json(), headers=NO_STORE)

    @http.route(
        "/my/orders/<int:order_id>/rcep-certificates/<int:certificate_id>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def rcep_certificate_pdf(self, order_id, certificate_id, access_token=None, **_kw):
        """A certificate's Form RCEP PDF for whoever may see the order."""
        order = self._rcep_order(order_id, access_token)
        certificate = (
            order._rcep_portal_certificates().filtered(lambda c: c.id == certificate_id)
            if order is not None
            else None
        )
        if not certificate:
            raise request.not_found()
        content = certificate.sudo()._rcep_portal_pdf()
        filename = f"{certificate.name.replace('/', '-')}.pdf"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
                *NO_STORE,
            ],
        )
