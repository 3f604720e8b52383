from freezegun import freeze_time

from odoo.tests import tagged

from .common import LoopCase


@tagged("post_install", "-at_install")
class TestCustomerAnalysis(LoopCase):
    def test_share_per_capita_and_frequency(self):
        # Three customers in the last 12 months:
        #   Ann: 2 visits, 3,000 + 3,000 = 6,000 -> tier D
        #   Ben: 1 visit, 1,000           -> tier E
        #   Cat: 3 visits, 1,000 x 3      = 3,000 -> tier E
        # company 12-month spend = 10,000
        ann, ben, cat = (self.customer(n) for n in ("Ann", "Ben", "Cat"))
        self.loop_order(ann, 3000.0, "2026-03-01 10:00:00")
        self.loop_order(ann, 3000.0, "2026-04-01 10:00:00")
        self.loop_order(ben, 1000.0, "2026-05-01 10:00:00")
        for month in ("01", "02", "03"):
            self.loop_order(cat, 1000.0, f"2026-{month}-15 10:00:00")
        with freeze_time("2026-06-30 12:00:00"):
            self.env["loop.engine"].run_all()
        analysis = self.env["loop.customer.analysis"].with_company(self.company)
        domain = [
            ("company_id", "=", self.company.id),
            ("partner_id", "in", (ann | ben | cat).ids),
        ]
        rows = analysis._read_group(
            domain,
            ["tier_id"],
            [
                "customer_count:sum",
                "spend_12m:sum",
                "revenue_share:sum",
                "spend_per_capita:avg",
                "visit_frequency:avg",
            ],
        )
        groups = {tier.code: values for tier, *values in rows}
        # D: Ann alone: 6,000 = 60 % of 10,000, 2 visits
        self.assertEqual(groups["D"][0], 1)
        self.assertAlmostEqual(groups["D"][1], 6000.0)
        self.assertAlmostEqual(groups["D"][2], 60.0)
        self.assertAlmostEqual(groups["D"][3], 6000.0)
        self.assertAlmostEqual(groups["D"][4], 2.0)
        # E: Ben and Cat: 4,000 = 40 %, 2,000 per head, (1 + 3) / 2 = 2 visits
        self.assertEqual(groups["E"][0], 2)
        self.assertAlmostEqual(groups["E"][1], 4000.0)
        self.assertAlmostEqual(groups["E"][2], 40.0)
        self.assertAlmostEqual(groups["E"][3], 2000.0)
        self.assertAlmostEqual(groups["E"][4], 2.0)
