"""Speed inside Odoo (issue 12.8), reported, never asserted (tests do not assert wall-clock
times): the roll-up of a five-level BOM with 2,000 components, and the re-qualification of
1,000 products after one purchase price changed — each next to the engine alone on the same
inputs, measured in the same run. Not part of the standard suite (tag `rcep_eco_mrp_bench`):
`python -m bench.bench_odoo_mrp` runs it and prints the figures.

Each figure is the best of a few runs (the machine is shared); the log lines start with
`rcep_mrp_bench` and are what the bench script reads."""

import json
import logging
import time

from odoo import fields
from odoo.tests import tagged

from .. import originlink_bridge as core
from .common import MrpOriginCase

_logger = logging.getLogger(__name__)
REPEAT = 3


def best(fn, repeat=REPEAT):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


@tagged("post_install", "-at_install", "-standard", "rcep_eco_mrp_bench")
class TestRollupBenchmark(MrpOriginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, rcep_no_requalify=True))
        vendors = [cls.vendor(f"Vendor {c}", c) for c in ("cn", "vn", "ru", "de", "th")]
        codes = ["4407.91", "8302.42", "3208.90", "9403.99", "7318.15", "4411.12", "3926.30"]
        # 200 purchased materials, each bought at a real, confirmed price; two in five
        # declared originating by their (CN, VN) supplier.
        cls.materials = cls.env["product.product"]
        for i in range(200):
            vendor = vendors[i % len(vendors)]
            product = cls.product(f"Material {i:03d}", codes[i % len(codes)])
            cls.materials |= product
            cls.buy(product, vendor, 0.05 + (i % 17) * 0.01)
            if vendor.country_id.code in ("CN", "VN"):
                cls.declare(vendor, product, country=vendor.country_id.code.lower())
        cls.bench_wc = cls.workcenter("Bench line", 30.0, 60.0)

    def _assembly(self, name, lines):
        product = self.product(name, "9403.99")
        self.bom(product, lines, operations=[(self.bench_wc, 1)])
        return product

    def test_rollup_of_a_five_level_bom_with_2000_components(self):
        # Five BOM levels: the top, 4 assemblies, 16, 80, 400; each of the 400 bottom
        # assemblies holds 5 purchased components: 2,000 component lines.
        n = 0
        level = []
        for i in range(400):
            lines = [(self.materials[(n + k) % 200], 1 + (k % 3)) for k in range(5)]
            n += 5
            level.append(self._assembly(f"L5-{i}", lines))
        for size, name in ((5, "L4"), (5, "L3"), (4, "L2")):
            level = [
                self._assembly(f"{name}-{i}", [(p, 1) for p in level[i * size : (i + 1) * size]])
                for i in range(len(level) // size)
            ]
        top = self.product("Wardrobe W-5", "9403.60", rcep_criterion="RVC", rcep_fob_amount=900.0)
        self.bom(top, [(p, 1) for p in level])
        template = top.product_tmpl_id
        company = self.env.company
        table = core.psr_table()

        def build():
            self.env.invalidate_all()
            return template._rcep_mrp_build(company)[template.id]

        t_build, built = best(build)
        data = built.input
        t_engine, (result, _problems) = best(lambda: core.assess(data, table))
        t_margin, _ = best(lambda: core.margin(data, table, result, max_checks=8))

        def whole():
            self.env.invalidate_all()
            template.sudo().rcep_assessment_id = False
            return template._rcep_mrp_assess("benchmark", table=table)

        t_whole, record = best(whole)
        components = sum(1 for e in built.evidence if e.get("source") == "purchased")
        self.assertEqual(components, 2000)
        self.assertEqual(record.verdict, result.verdict)
        _logger.info(
            "rcep_mrp_bench rollup %s",
            json.dumps(
                {
                    "components": components,
                    "levels": 5,
                    "odoo_total_s": round(t_whole, 3),
                    "odoo_build_s": round(t_build, 3),
                    "engine_s": round(t_engine, 4),
                    "margin_s": round(t_margin, 4),
                    "verdict": result.verdict,
                }
            ),
        )

    def test_requalification_of_1000_products_after_a_price_change(self):
        common = self.materials[0]
        vendor = common.seller_ids[0].partner_id
        products = self.env["product.product"]
        for i in range(1000):
            own = [(self.materials[(i * 7 + k) % 200], 1 + k % 2) for k in range(1, 8)]
            product = self.product(
                f"Cabinet {i:04d}", "9403.60", rcep_criterion="RVC", rcep_fob_amount=10.0
            )
            self.bom(product, [(common, 4), *own])
            products |= product
        templates = products.product_tmpl_id
        table = core.psr_table()
        templates._rcep_mrp_assess("initial", table=table)
        inputs = [t.sudo().rcep_assessment_id._input() for t in templates]

        # The change: a new purchase order for the common material at another price (hooks
        # on, as a buyer would do it), then the queued job.
        env = self.env(context=dict(self.env.context, rcep_no_requalify=False))
        started = time.perf_counter()
        order = env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": common.id, "product_qty": 1000, "price_unit": 0.07,
                         "tax_ids": [fields.Command.clear()]}
                    )
                ],
            }
        )  # fmt: skip
        order.button_confirm()
        t_queue = time.perf_counter() - started
        job = env["rcep.requalification"].search([("state", "=", "queued")])
        self.assertEqual(len(job.product_tmpl_ids), 1000)
        started = time.perf_counter()
        job.action_run_now()
        t_job = time.perf_counter() - started
        self.assertEqual(job.state, "done")
        self.assertEqual(len(job.assessment_ids), 1000)  # every input changed

        def engine():
            for data in inputs:
                core.assess(data, table)

        t_engine, _ = best(engine)
        _logger.info(
            "rcep_mrp_bench requalify %s",
            json.dumps(
                {
                    "products": 1000,
                    "lines_per_product": 8,
                    "odoo_queue_s": round(t_queue, 3),
                    "odoo_job_s": round(t_job, 3),
                    "engine_s": round(t_engine, 3),
                    "new_assessments": len(job.assessment_ids),
                }
            ),
        )
