from odoo.tests import tagged

from .common_cards import CardCase


@tagged("post_install", "-at_install")
class TestPartnerMerge(CardCase):
    """Odoo's partner merge: the kept customer owns everything at once."""

    def test_merged_customer_keeps_visits_cards_and_referrals(self):
        # TEST_NOW is 2026-11-23 (noon in Shanghai)
        kept = self.customer("Wang Fang")
        twin = self.customer("Wang Fang (duplicate)")
        self.loop_order(kept, 300.0, "2026-09-01 10:00:00")
        self.loop_order(twin, 500.0, "2026-10-01 10:00:00")
        self.loop_order(twin, 200.0, "2026-11-01 10:00:00")
        card = self.issue(self.gold, twin, when="2026-10-01")
        friend = self.customer("Li Na", loop_referred_by_id=twin.id)
        self.loop_order(friend, 100.0, "2026-11-10 10:00:00")
        self.assertEqual(self.figures(kept).loop_visit_count, 1)
        self.assertEqual(self.figures(twin).loop_referral_paid_count, 1)

        self.env["base.partner.merge.automatic.wizard"]._merge((kept | twin).ids, kept)

        self.assertFalse(twin.exists())
        merged = self.figures(kept)
        # 1 Sep, 1 Oct, 1 Nov: three visits, 1,000 in the last 12 months
        self.assertEqual(merged.loop_visit_count, 3)
        self.assertAlmostEqual(merged.loop_spend_12m, 1000.0)
        self.assertEqual(str(merged.loop_last_visit), "2026-11-01")
        self.assertEqual(card.partner_id, kept)
        self.assertAlmostEqual(merged.loop_card_balance, 11000.0)
        self.assertEqual(merged.loop_card_count, 1)
        self.assertEqual(friend.loop_referred_by_id, kept)
        self.assertEqual(merged.loop_referral_paid_count, 1)
        # the card with value left locks her in; her friend expands the loop
        self.assertEqual(
            merged.loop_stage_id, self.env.ref("five_customer_loop.stage_expand")
        )
        member = self.env["loop.customer"].search(
            [("partner_id", "=", kept.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual((member.visit_count, member.spend_12m), (3, 1000.0))

    def test_merged_customer_has_one_open_stay(self):
        """Both in Retain, still in Retain merged: the twin's stay ends at the
        merge, the kept customer's goes on (one open stay, not two)."""
        kept = self.customer("Zhao Min")
        twin = self.customer("Zhao Min (duplicate)")
        for partner in (kept, twin):
            self.loop_order(partner, 300.0, "2026-10-01 10:00:00")
            self.loop_order(partner, 300.0, "2026-11-01 10:00:00")
        retain = self.env.ref("five_customer_loop.stage_retain")
        kept_stay = self.env["loop.stage.history"].search(
            [("partner_id", "=", kept.id), ("date_end", "=", False)]
        )
        self.env["base.partner.merge.automatic.wizard"]._merge((kept | twin).ids, kept)
        history = self.env["loop.stage.history"].search(
            [("partner_id", "=", kept.id), ("company_id", "=", self.company.id)]
        )
        open_stays = history.filtered(lambda h: not h.date_end)
        self.assertEqual(open_stays, kept_stay)
        self.assertEqual(open_stays.stage_to_id, retain)
        self.assertEqual(self.figures(kept).loop_stage_id, retain)
        self.assertEqual(self.figures(kept).loop_visit_count, 2, "same two days")
        ended = history.filtered(lambda h: str(h.date_end) == "2026-11-23 04:00:00")
        self.assertEqual(ended.stage_to_id, retain, "the twin's stay, ended today")
