"""Care records: the customer's figures after a paid visit, and companies."""

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.five_customer_loop.tests.refusal import RefusalMixin
from odoo.addons.five_customer_loop.tests.test_care_records import CareRecordCase

from .common import LoopCase


@tagged("post_install", "-at_install")
class TestCareRecords(RefusalMixin, CareRecordCase, LoopCase):
    def test_new_and_cancelled_records_refresh_the_customer(self):
        self.loop_order(self.alice, 300.0, "2026-06-01 10:00:00")
        with freeze_time("2026-06-05 04:00:00"):
            self.env["loop.engine"].refresh_partners(self.alice)
        self.assertEqual(self.days_since(self.alice, "2026-06-05 04:00:00"), 4)
        # a new care record on 20 June: 1 June to 20 June is 19 days
        with freeze_time("2026-06-20 04:00:00"):
            care = self._care(state="done")
        self.assertEqual(self.days_since(self.alice, "2026-06-20 04:00:00"), 19)
        # cancelled on 25 June: 24 days
        with freeze_time("2026-06-25 04:00:00"):
            care.action_cancel()
        self.assertEqual(self.days_since(self.alice, "2026-06-25 04:00:00"), 24)

    # ------------------------------------------------------------------ security
    def test_access_and_companies(self):
        plain = new_test_user(self.env, login="plain", groups="base.group_user")
        care = self._care()
        with self.assertRaises(AccessError):
            care.with_user(plain).read(["state"])
        with self.assertRaises(AccessError):
            self.Care.with_user(plain).create(
                {"partner_id": self.alice.id, "product_id": self.service.id}
            )
        company_2 = self.setup_other_company(name="Other Store")["company"]
        other = self.Care.with_company(company_2).create(
            {"partner_id": self.alice.id, "product_id": self.service.id}
        )
        self.assertEqual(other.company_id, company_2)
        # the beautician works for the first company only
        visible = self.Care.with_user(self.beautician).search(
            [("partner_id", "=", self.alice.id)]
        )
        self.assertEqual(visible, care)
        with self.assertRaises(AccessError):
            other.with_user(self.beautician).read(["state"])
