"""Stage and tier history reconstructed month-end by month-end (#20 item 7).

Each scenario is an install into a database that already holds orders: the
orders (and a card) are entered, then every figure and history row is wiped
and one full recompute runs on ``TEST_NOW`` (2026-11-23), as the post-init
hook does; the reconstruction then rebuilds what came before. Company rules:
lost after 180 days, at risk after max(60, 2 × interval) days; tiers by
12-month spend: Key 100,000, A 50,000 (both VIP), B 30,000, C 10,000,
D 5,000, E 0. Dates are the stores' month-ends (Shanghai, UTC+8): a
reconstructed row is dated 23:59:59 local, 15:59:59 UTC.
"""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .common_cards import CardCase


def end(day):
    """The UTC moment a reconstructed row of the local month-end ``day`` has."""
    return f"{day} 15:59:59"


@tagged("post_install", "-at_install")
class TestHistoryReconstruction(CardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage = {s.code: s for s in cls.env["loop.stage"].search([])}

    def install(self, partners):
        """Forget what the live refreshes recorded, then the install's recompute."""
        self.env.flush_all()
        for table in ("loop_stage_history", "loop_tier_history", "loop_customer"):
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE partner_id = ANY(%s)",
                    SQL.identifier(table),
                    partners.ids,
                )
            )
        self.env.invalidate_all()
        installed = fields.Datetime.now()
        self.env["loop.engine"].run_all()
        return self.env["loop.history.reconstruction"]._reconstruct(
            self.company, installed=installed
        )

    def stays(self, partner):
        rows = self.env["loop.stage.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
        return [
            (
                row.stage_from_id.code or None,
                row.stage_to_id.code,
                str(row.date),
                row.date_end and str(row.date_end),
                row.reconstructed,
            )
            for row in rows
        ]

    def tiers(self, partner):
        rows = self.env["loop.tier.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
        return [
            (
                (row.tier_from_id.name or "").removeprefix("Tier ") or None,
                row.tier_to_id.name.removeprefix("Tier "),
                str(row.date),
                row.direction,
                row.spend_12m,
                row.reconstructed,
            )
            for row in rows
        ]

    def test_stays_lost_and_back(self):
        """Attract → Retain (third visit) → Lost (day 194) → Retain again."""
        ann = self.customer("Ann")
        for day in ("2025-01-10", "2025-03-05", "2025-03-20", "2026-10-10"):
            self.loop_order(ann, 300.0, f"{day} 11:00")
        totals = self.install(ann)
        # 2025-08-31: 164 days since the visit of 03-20, still Retain; 2025-09-30:
        # 194 days > 180, Lost; 2026-10-31: the visit of 10-10, Retain (the 4th
        # visit, one in 12 months: not locked in). The install's entry (Retain)
        # continues that stay: it starts on 2026-10-31 and comes from Lost.
        self.assertEqual(
            self.stays(ann),
            [
                (None, "attract", end("2025-01-31"), end("2025-03-31"), True),
                ("attract", "retain", end("2025-03-31"), end("2025-09-30"), True),
                ("retain", "lost", end("2025-09-30"), end("2026-10-31"), True),
                ("lost", "retain", end("2026-10-31"), False, False),
            ],
        )
        self.assertEqual(str(self.figures(ann).loop_stage_date), end("2026-10-31"))
        # 12-month spend never leaves E: the install's first tier starts in Jan 2025
        self.assertEqual(
            self.tiers(ann), [(None, "E", end("2025-01-31"), "new", 300.0, False)]
        )
        self.assertEqual(totals["stage"], 3)

    def test_tiers_up_and_down_and_the_upgrade_stage(self):
        """C, then A (VIP: Upgrade), then down to B and E as the year slides."""
        bo = self.customer("Bo")
        self.loop_order(bo, 12000.0, "2025-06-15 11:00")
        self.loop_order(bo, 40000.0, "2025-08-10 11:00")
        self.install(bo)
        # 2025-08-31: 52,000 in 12 months, A, an upgrade: the Upgrade stage.
        # 2026-02-28: 202 days since 2025-08-10 > 180: Lost (still on the install
        # day). 2026-06-30: the 12 months start 2025-07-01: 40,000, B.
        # 2026-08-31: they start 2025-09-01: nothing, E (the install's tier).
        self.assertEqual(
            self.stays(bo),
            [
                (None, "attract", end("2025-06-30"), end("2025-08-31"), True),
                ("attract", "upgrade", end("2025-08-31"), end("2026-02-28"), True),
                ("upgrade", "lost", end("2026-02-28"), False, False),
            ],
        )
        self.assertEqual(
            self.tiers(bo),
            [
                (None, "C", end("2025-06-30"), "new", 12000.0, True),
                ("C", "A", end("2025-08-31"), "up", 52000.0, True),
                ("A", "B", end("2026-06-30"), "down", 40000.0, True),
                ("B", "E", end("2026-08-31"), "down", 0.0, False),
            ],
        )
        # the upgrade is older than 12 months: no recent upgrade today
        self.assertFalse(self.figures(bo).loop_recent_upgrade)

    def test_recent_reconstructed_upgrade_moves_to_upgrade_today(self):
        """A reconstructed upgrade within 12 months is a recent upgrade now."""
        cy = self.customer("Cy")
        self.loop_order(cy, 4000.0, "2026-02-10 11:00")
        self.loop_order(cy, 2000.0, "2026-05-10 11:00")
        self.loop_order(cy, 300.0, "2026-11-20 11:00")
        self.install(cy)
        # E (4,000) from 2026-02-28, D (6,000) from 2026-05-31: an upgrade within
        # the 12 months before 2026-11-23, so Cy is a recent upgrader today. The
        # install's recompute, blind to it, had put her in Retain; that entry
        # (which lasted no time) gives way to Upgrade, the stay that began on
        # 2026-05-31.
        self.assertTrue(self.figures(cy).loop_recent_upgrade)
        self.assertEqual(self.figures(cy).loop_stage_id, self.stage["upgrade"])
        self.assertEqual(
            self.stays(cy),
            [
                (None, "attract", end("2026-02-28"), end("2026-05-31"), True),
                ("attract", "upgrade", end("2026-05-31"), False, False),
            ],
        )
        self.assertEqual(
            self.tiers(cy),
            [
                (None, "E", end("2026-02-28"), "new", 4000.0, True),
                ("E", "D", end("2026-05-31"), "up", 6000.0, False),
            ],
        )

    def test_leap_day_counts_in_the_twelve_months_to_feb_28(self):
        """Spend of 2024-02-29 is in the 12 months ending 2025-02-28, not after."""
        di = self.customer("Di")
        self.loop_order(di, 6000.0, "2024-02-29 11:00")
        self.install(di)
        self.assertEqual(
            self.tiers(di),
            [
                (None, "D", end("2024-02-29"), "new", 6000.0, True),
                # the install's tier (E) starts on 2025-03-31, when the 12 months
                # begin on 2024-04-01
                ("D", "E", end("2025-03-31"), "down", 0.0, False),
            ],
        )
        # 2024-08-27 is day 180: Lost from the month-end after it
        self.assertEqual(
            self.stays(di),
            [
                (None, "attract", end("2024-02-29"), end("2024-08-31"), True),
                ("attract", "lost", end("2024-08-31"), False, False),
            ],
        )

    def test_refunded_visit_and_card_lock_in(self):
        """A refunded visit is none; a card locks in while value is left."""
        dee = self.customer("Dee")
        self.loop_order(dee, 300.0, "2026-03-02 11:00")
        second = self.loop_order(dee, 300.0, "2026-04-10 11:00")
        self.loop_order(dee, -300.0, "2026-04-15 11:00", refund_of=second)
        card = self.issue(self.gold, dee, when="2026-05-20")
        with self.at("2026-07-05"):
            card.consume_amount(11000.0, {"origin": "R-consume"})
        self.install(dee)
        # 2026-04-30: one visit (the second was refunded), still Attract;
        # 2026-05-31 and 06-30: a card with value, Lock-in; 07-31: used up,
        # Attract; 08-31: 182 days since 03-02, Lost (the install's stage).
        self.assertEqual(
            self.stays(dee),
            [
                (None, "attract", end("2026-03-31"), end("2026-05-31"), True),
                ("attract", "lockin", end("2026-05-31"), end("2026-07-31"), True),
                ("lockin", "attract", end("2026-07-31"), end("2026-08-31"), True),
                ("attract", "lost", end("2026-08-31"), False, False),
            ],
        )

    def test_rebuild_is_stable_and_prospects_have_none(self):
        """Running it again gives the same rows; a prospect gets no history."""
        ann = self.customer("Ann")
        for day in ("2025-01-10", "2025-03-05"):
            self.loop_order(ann, 300.0, f"{day} 11:00")
        friend = self.customer("Friend", loop_referred_by_id=ann.id)
        self.install(ann | friend)
        first = self.stays(ann), self.tiers(ann)
        self.assertEqual(
            [row[4] for row in self.stays(friend)], [False], "the entry row only"
        )
        totals = self.env["loop.history.reconstruction"]._reconstruct(self.company)
        self.assertEqual((self.stays(ann), self.tiers(ann)), first)
        self.assertEqual(totals["customers"], 2)

    def test_manager_action(self):
        """Settings: a loop manager rebuilds; a loop user may not."""
        ann = self.customer("Ann")
        self.loop_order(ann, 300.0, "2025-01-10 11:00")
        self.loop_order(ann, 300.0, "2025-03-05 11:00")
        self.install(ann)
        self.env.cr.execute(
            SQL(
                "DELETE FROM loop_stage_history"
                " WHERE partner_id = %s AND reconstructed",
                ann.id,
            )
        )
        self.env["loop.stage.history"].invalidate_model()
        user = self.company_user("loop_user_recon")
        settings = self.env["loop.settings"].create({})
        with self.assertRaises(AccessError):
            settings.with_user(user).action_loop_reconstruct_history()
        action = settings.action_loop_reconstruct_history()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(
            [row[:2] for row in self.stays(ann)],
            [(None, "attract"), ("attract", "retain"), ("retain", "lost")],
        )
