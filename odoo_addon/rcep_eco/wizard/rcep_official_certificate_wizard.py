import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..originlink_bridge import resource_problem


class RcepOfficialCertificateWizard(models.TransientModel):
    """Record the official Certificate of Origin an issuing body issued outside OriginLink
    (in China today often self-printed on the issuing body's system): its number, its official
    lookup link and the official PDF. The service keeps them against the certificate, and the
    verification page shows them for what they are: recorded by the exporter, not verified
    electronically (issue 9.5). The PDF stays in Odoo; the service keeps its SHA-256."""

    _name = "rcep.official.certificate.wizard"
    _description = "Record the issuing body's official certificate"

    certificate_id = fields.Many2one("rcep.certificate", required=True, readonly=True)
    issuing_body = fields.Selection(
        selection="_issuing_body_selection",
        required=True,
        help="The issuing bodies of the exporting Party the service knows.",
    )
    number = fields.Char(string="Official Certificate Number", required=True)
    lookup_url = fields.Char(
        string="Official Lookup Link",
        required=True,
        help="The issuing body's own page for this certificate (https).",
    )
    pdf = fields.Binary(string="Official PDF", required=True)
    pdf_name = fields.Char(string="PDF File Name")

    @api.model
    def _issuing_body_selection(self):
        certificate = self.env["rcep.certificate"].browse(
            self.env.context.get("default_certificate_id")
        )
        company = certificate.company_id or self.env.company
        return sorted(
            (code, f"{body.get('name') or code} ({code})")
            for code, body in company._rcep_issuing_bodies().items()
        )

    def action_record(self):
        self.ensure_one()
        certificate = self.certificate_id
        if not self._issuing_body_selection():
            raise UserError(
                self.env._(
                    "The service knows no issuing body of %(party)s yet: use Connect in "
                    "Settings > Sales > RCEP e-Certificates of Origin, then try again.",
                    party=certificate.company_id._rcep_exporting_party(),
                )
            )
        content = base64.b64decode(self.pdf)
        if not content.startswith(b"%PDF-"):
            raise UserError(self.env._("The official certificate file is not a PDF."))
        official = {
            "issuing_body": self.issuing_body,
            "number": self.number.strip(),
            "lookup_url": self.lookup_url.strip(),
            "pdf_sha256": hashlib.sha256(content).hexdigest(),
        }
        answer = certificate._connector().record_official_certificate(
            certificate.service_id,
            official,
            certificate._service_action_key(f"official:{official['pdf_sha256'][:16]}"),
        )
        error = answer.error or (
            resource_problem(answer.body)
            and certificate._malformed_answer(resource_problem(answer.body))
        )
        if error:
            raise UserError(error)
        certificate._apply_resource(answer.body)
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.pdf_name or f"{official['number']}.pdf",
                "raw": content,
                "res_model": certificate._name,
                "res_id": certificate.id,
                "mimetype": "application/pdf",
            }
        )
        certificate.sudo().official_pdf_id = attachment
        certificate.message_post(
            body=self.env._(
                "Official certificate %(number)s of %(body)s recorded (by the exporter, not "
                "verified electronically): %(url)s",
                number=official["number"],
                body=self.issuing_body,
                url=official["lookup_url"],
            ),
            attachment_ids=attachment.ids,
        )
        return {"type": "ir.actions.act_window_close"}
