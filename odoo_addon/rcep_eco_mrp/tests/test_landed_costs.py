"""Landed costs (stock_landed_costs, installed next to the module in the test run): the value of
an imported material is its purchase price plus the landed costs validated on its receipt, and
the valuation basis says so (issue 12.3)."""

from odoo import fields
from odoo.tests import tagged

from .common import MrpOriginCase


@tagged("post_install", "-at_install")
class TestLandedCosts(MrpOriginCase):
    def test_a_validated_landed_cost_adds_to_the_materials_value(self):
        if "stock.landed.cost" not in self.env:
            self.fail("stock_landed_costs is installed by scripts/test_odoo.sh for this test")
        average = self.env["product.category"].create(
            {"name": "Imported boards", "property_cost_method": "average"}
        )
        board = self.product("MDF board", "4411.12", categ_id=average.id, is_storable=True)
        order = self.buy(board, self.vendor("Borneo Boards", "my"), 28.0, qty=10)
        receipt = order.picking_ids
        receipt.move_ids.quantity = 10
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        freight = self.env["product.product"].create(
            {"name": "Sea freight", "type": "service", "landed_cost_ok": True}
        )
        landed = self.env["stock.landed.cost"].create(
            {
                "picking_ids": [fields.Command.set(receipt.ids)],
                "cost_lines": [
                    fields.Command.create(
                        {"product_id": freight.id, "price_unit": 15.0, "split_method": "equal"}
                    )
                ],
            }
        )
        landed.compute_landed_cost()
        landed.button_validate()
        self.assertEqual(landed.state, "done")
        table = self.product("Table", "9403.60", rcep_criterion="RVC", rcep_fob_amount=80.0)
        self.bom(table, [(board, 1)])
        record = table.product_tmpl_id._rcep_mrp_assess("test")
        board_value = record._input()["materials"][0]["value"]
        self.assertEqual(board_value, "29.5")  # 28 + 15 / 10 boards
        evidence = record._evidence()[0]
        self.assertEqual(evidence["price_basis"], "landed_cost")
        self.assertIn(landed.name, evidence["price_text"])
        self.assertIn("landed costs", record.valuation_basis)
