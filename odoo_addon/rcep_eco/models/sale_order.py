from odoo import api, fields, models
from odoo.exceptions import UserError

from ..originlink_bridge import (
    states_awaiting_the_exporter,
    states_ending_life,
    states_verifying_as_valid,
)
from .rcep_certificate import STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rcep_certificate_ids = fields.One2many(
        "rcep.certificate", "sale_order_id", string="Certificates of Origin"
    )
    rcep_certificate_count = fields.Integer(
        string="Number of Certificates of Origin", compute="_compute_rcep_certificate_count"
    )
    rcep_certificate_state = fields.Selection(
        STATES,
        string="Certificate of Origin",
        compute="_compute_rcep_certificate_state",
        store=True,
        help="The status of the order's certificate of origin: the one that needs attention "
        "first (failed, rejected, customs query), else the latest still standing.",
    )

    rcep_certificate_attention = fields.Boolean(
        string="Certificate Needs Attention",
        compute="_compute_rcep_certificate_flags",
        search="_search_rcep_certificate_attention",
    )
    rcep_certificate_in_force = fields.Boolean(
        string="Certificate In Force",
        compute="_compute_rcep_certificate_flags",
        search="_search_rcep_certificate_in_force",
    )

    @api.depends("rcep_certificate_state")
    def _compute_rcep_certificate_flags(self):
        attention = {"error"} | states_awaiting_the_exporter()
        for order in self:
            order.rcep_certificate_attention = order.rcep_certificate_state in attention
            order.rcep_certificate_in_force = (
                order.rcep_certificate_state in states_verifying_as_valid()
            )

    def _search_rcep_certificate_attention(self, operator, value):
        states = {"error"} | states_awaiting_the_exporter()
        return self._rcep_state_domain(states, operator, value)

    def _search_rcep_certificate_in_force(self, operator, value):
        return self._rcep_state_domain(states_verifying_as_valid(), operator, value)

    def _rcep_state_domain(self, states, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on %s.", operator))
        positive = (operator == "=") == bool(value)
        return [("rcep_certificate_state", "in" if positive else "not in", sorted(states))]

    def _compute_rcep_certificate_count(self):
        for order in self:
            order.rcep_certificate_count = len(order.rcep_certificate_ids)

    @api.depends("rcep_certificate_ids.state")
    def _compute_rcep_certificate_state(self):
        attention = {"error"} | states_awaiting_the_exporter()
        ended = states_ending_life()
        for order in self:
            certificates = order.rcep_certificate_ids.sorted("id", reverse=True)
            standing = certificates.filtered(lambda c: c.state not in ended)
            urgent = standing.filtered(lambda c: c.state in attention)
            shown = urgent[:1] or standing[:1] or certificates[:1]
            order.rcep_certificate_state = shown.state

    def _rcep_portal_certificates(self):
        """Certificates the buyer may see: issued ones, with a verification link."""
        return self.rcep_certificate_ids.filtered(lambda c: c.verify_url)

    def _rcep_invoice(self):
        """The invoice Box 13 names: the order's latest posted customer invoice."""
        self.ensure_one()
        invoices = self.invoice_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        )
        return invoices.sorted(lambda m: (m.invoice_date or fields.Date.today(), m.id))[-1:]

    def _rcep_departure_date(self):
        """Box 4's departure date as far as a sales order knows it (the delivery module
        rcep_eco_stock reads the delivery's date done instead)."""
        self.ensure_one()
        when = self.commitment_date or self.date_order
        return when.date() if when else False

    # --- actions ----------------------------------------------------------------------------

    def action_rcep_open_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issue Certificate of Origin"),
            "res_model": "rcep.certificate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_sale_order_id": self.id},
        }

    def action_rcep_view_certificates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rcep_eco.action_rcep_certificate")
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"default_sale_order_id": self.id}
        return action

    def action_rcep_issue_and_send(self):
        """Bulk, from the order list: one certificate per order for what is not certified
        yet, sent at once. Orders that cannot be certified are named with the reason; the
        others go on."""
        created, refused = self.env["rcep.certificate"], []
        for order in self:
            try:
                with self.env.cr.savepoint():
                    wizard = self.env["rcep.certificate.wizard"].create({"sale_order_id": order.id})
                    created |= wizard._create_certificate(send=False, sending=True)
            except UserError as exc:
                refused.append(f"{order.name}: {exc.args[0]}")
        # Sent only once every certificate is made, outside any savepoint: sending commits
        # (the Idempotency-Key must survive a crash), and no savepoint survives a commit.
        sent, not_sent = created._send_each()
        return self._rcep_bulk_notification(
            self.env._("Certificates of origin"), sent, refused + not_sent
        )

    def action_rcep_refresh_status(self):
        certificates = self.rcep_certificate_ids.filtered("can_refresh")
        certificates._pull_status()
        return self._rcep_bulk_notification(
            self.env._("Certificate status refreshed"), certificates, []
        )

    def _rcep_bulk_notification(self, title, certificates, refused):
        lines = [
            f"{c.name} ({c.sale_order_id.name}): {c._state_label(c.state)}" for c in certificates
        ]
        lines += refused
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": "\n".join(lines) or self.env._("Nothing to do."),
                "type": "warning" if refused or any(c.last_error for c in certificates) else "info",
                "sticky": bool(refused),
                "className": "text-prewrap",  # one line per certificate or refusal
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_quotation_send(self):
        """Attach the PDFs of the order's issued certificates to the order e-mail."""
        action = super().action_quotation_send()
        # A salesman without RCEP access may still send the order: without certificates
        # (reading them would raise AccessError and block the e-mail).
        if len(self) != 1 or not self.env["rcep.certificate"].has_access("read"):
            return action
        certificates = self.rcep_certificate_ids.filtered(lambda c: c.verify_url)
        if certificates:
            # Attached by the composer (mail_compose_message.py), like the order's own PDF.
            action["context"] = dict(
                action.get("context") or {}, rcep_certificate_ids=certificates.ids
            )
        return action


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _rcep_is_goods(self):
        """Goods a certificate of origin can cover: not a section or note, not a service
        (shipping, fees), not a down payment."""
        self.ensure_one()
        return bool(
            not self.display_type
            and self.product_id
            and self.product_id.type != "service"
            and not self.is_downpayment
            and self.product_uom_qty > 0
        )

    def _rcep_certifiable_qty(self):
        """How much of this line certificates may cover in all: what was ordered, or more if
        more was delivered."""
        self.ensure_one()
        return max(self.product_uom_qty, self.qty_delivered)

    def _rcep_certified_lines(self, exclude=None):
        """Goods items of certificates still standing (drafts included: they claim goods)
        that certify this order line, except those of `exclude`."""
        self.ensure_one()
        domain = [
            ("sale_line_id", "=", self.id),
            ("certificate_id.state", "not in", sorted(states_ending_life())),
        ]
        if exclude:
            domain.append(("certificate_id", "not in", exclude.ids))
        return self.env["rcep.certificate.line"].sudo().search(domain)

    def _rcep_remaining_qty(self):
        self.ensure_one()
        certified = sum(self._rcep_certified_lines().mapped("quantity"))
        return max(self._rcep_certifiable_qty() - certified, 0.0)
