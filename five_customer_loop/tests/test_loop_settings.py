"""The loop's settings belong to its managers, not only to administrators."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import LoopBaseCase


@tagged("post_install", "-at_install")
class TestLoopSettings(LoopBaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.company_user(
            "loop_settings_manager", groups="five_customer_loop.group_loop_manager"
        )
        cls.staff = cls.company_user("loop_settings_staff")

    def test_manager_opens_and_saves(self):
        """A loop manager (no administrator) opens the page and saves it."""
        self.assertFalse(self.manager.has_group("base.group_system"))
        Settings = self.env(user=self.manager)["loop.settings"]
        with Form(Settings) as page:
            self.assertEqual(page.loop_lost_days, self.company.loop_lost_days)
            page.loop_lost_days = 200
            page.loop_visit_due_days = 10
        page.record.execute()
        self.assertEqual(self.company.loop_lost_days, 200)
        self.assertEqual(self.company.loop_visit_due_days, 10)
        # the page opens again on the saved values
        self.assertEqual(Settings.new({}).loop_lost_days, 200)

    def test_bad_value_writes_nothing(self):
        days = self.company.loop_lost_days
        Settings = self.env(user=self.manager)["loop.settings"]
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Settings.create({"loop_lost_days": 0, "loop_visit_due_days": 10})
        self.company.invalidate_recordset()
        self.assertEqual(self.company.loop_lost_days, days)
        self.assertEqual(self.company.loop_visit_due_days, 7)

    def test_only_the_loop_settings_of_the_current_company(self):
        Settings = self.env(user=self.manager)["loop.settings"]
        with self.assertRaises(AccessError):
            Settings.create({"loop_lost_days": 150, "name": "Renamed"})
        other = self.env["res.company"].create({"name": "Other Chain"})
        days = other.loop_lost_days
        Settings.create({"company_id": other.id, "loop_lost_days": 150})
        self.assertEqual(self.company.loop_lost_days, 150)
        self.assertEqual(other.loop_lost_days, days)

    def test_staff_may_not(self):
        with self.assertRaises(AccessError):
            self.env(user=self.staff)["loop.settings"].create({"loop_lost_days": 150})
        self.assertNotEqual(self.company.loop_lost_days, 150)
