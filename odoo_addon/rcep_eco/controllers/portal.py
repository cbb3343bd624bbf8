from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request


class RcepPortal(CustomerPortal):
    @http.route(
        "/my/orders/<int:order_id>/certificates/<int:certificate_id>/pdf",
        type="http",
        auth="public",
        website=True,
    )
    def rcep_order_certificate_pdf(self, order_id, certificate_id, access_token=None, **_kw):
        """The Form RCEP PDF as the service issued it (the stored one, never re-rendered), for
        whoever may see the order (its customer, or the order's access link)."""
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        certificate = order_sudo._rcep_portal_certificates().filtered(
            lambda c: c.id == certificate_id
        )
        if not certificate:
            return request.not_found()
        content = certificate._stored_pdf_content()
        filename = f"{certificate._get_report_base_filename()}.pdf"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
