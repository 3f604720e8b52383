from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import LoopBaseCase
from .refusal import RefusalMixin


@tagged("post_install", "-at_install")
class TestFeedback(RefusalMixin, LoopBaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = cls.company_user("receptionist")
        cls.beautician = cls.company_user("beautician")
        cls.alice = cls.env["res.partner"].create({"name": "Alice"})
        cls.Feedback = cls.env["loop.feedback"].with_user(cls.staff)

    def _complaint(self, **vals):
        return self.Feedback.create(
            {
                "name": "Waited 30 minutes past the booking",
                "partner_id": self.alice.id,
                "kind": "complaint",
                "satisfaction": "2",
                "staff_user_id": self.beautician.id,
                **vals,
            }
        )

    @freeze_time("2026-06-10 02:00:00")
    def test_complaint_flow(self):
        feedback = self._complaint(user_id=False)
        self.assertEqual(feedback.state, "new")
        self.assertEqual(feedback.date, date(2026, 6, 10))
        self.assertEqual(feedback.company_id, self.company)
        self.assertFalse(feedback.date_closed)

        feedback.action_start()
        self.assertEqual(feedback.state, "in_progress")
        # nobody was responsible: whoever takes it in hand is
        self.assertEqual(feedback.user_id, self.staff)
        with self.assertRaises(UserError):
            feedback.action_start()

        with freeze_time("2026-06-11 03:00:00"):
            feedback.resolution = "Apologised by phone, offered a free neck massage."
            feedback.action_resolve()
        self.assertEqual(feedback.state, "resolved")
        self.assertEqual(feedback.date_closed, datetime(2026, 6, 11, 3, 0))
        with self.assertRaises(UserError):
            feedback.action_reject()

        feedback.action_reopen()
        self.assertEqual(feedback.state, "in_progress")
        self.assertFalse(feedback.date_closed)
        with self.assertRaises(UserError):
            feedback.action_reopen()

    def test_reject_keeps_its_reason(self):
        feedback = self._complaint(kind="suggestion", name="Open on Mondays")
        feedback.write(
            {"resolution": "The store stays closed on Mondays.", "state": "rejected"}
        )
        self.assertEqual(feedback.state, "rejected")
        self.assertTrue(feedback.date_closed)

    # ----------------------------------------------------------------- bad input
    def test_resolving_without_resolution_refused(self):
        feedback = self._complaint()
        feedback.action_start()
        for action in (feedback.action_resolve, feedback.action_reject):
            with (
                self.subTest(action=action.__name__),
                self.assertRefused(ValidationError, "Write down the resolution"),
            ):
                action()
            self.assertEqual(feedback.state, "in_progress")
            self.assertFalse(feedback.date_closed)
        # blanks are no resolution; dragging the kanban card writes the state alone
        with self.assertRefused(ValidationError, "Write down the resolution"):
            feedback.write({"state": "resolved", "resolution": "   "})
        with self.assertRefused(ValidationError, "Write down the resolution"):
            feedback.write({"state": "resolved"})
        self.assertEqual(feedback.state, "in_progress")
        self.assertFalse(feedback.resolution)
        # once resolved, the resolution cannot be wiped out
        feedback.write({"state": "resolved", "resolution": "Refunded the session."})
        with self.assertRefused(ValidationError, "Write down the resolution"):
            feedback.write({"resolution": False})
        self.assertEqual(feedback.resolution, "Refunded the session.")

    def test_created_resolved_without_resolution_refused(self):
        with self.assertRefused(ValidationError, "Write down the resolution"):
            self._complaint(state="resolved")
        self.assertFalse(self.Feedback.search([("partner_id", "=", self.alice.id)]))

    def test_satisfaction_outside_one_to_five_refused(self):
        for bad in ("0.5", 6, "9"):
            with self.subTest(bad=bad), self.assertRefused(ValidationError, "1 to 5"):
                self._complaint(satisfaction=bad)
        self.assertFalse(self.Feedback.search([("partner_id", "=", self.alice.id)]))
        feedback = self._complaint(satisfaction=3)
        self.assertEqual(feedback.satisfaction, "3")
        with self.assertRefused(ValidationError, "1 to 5"):
            feedback.write({"satisfaction": 0.5})
        self.assertEqual(feedback.satisfaction, "3")

    # ----------------------------------------------------------- partner and views
    def test_partner_counts_and_kanban_columns(self):
        self._complaint()
        praise = self._complaint(kind="praise", name="Lovely tea", satisfaction="5")
        praise.write({"state": "resolved", "resolution": "Thanked the customer."})
        self._complaint(kind="suggestion", name="More parking").action_start()
        # 3 feedback, the praise is closed: 2 open
        self.assertEqual(self.alice.loop_feedback_count, 3)
        self.assertEqual(self.alice.loop_feedback_open_count, 2)
        action = self.alice.action_loop_view_feedback()
        self.assertEqual(action["res_model"], "loop.feedback")
        self.assertEqual(action["domain"], [("partner_id", "=", self.alice.id)])
        # the kanban shows every state, also the empty "rejected" column
        groups = self.Feedback.read_group(
            [("partner_id", "=", self.alice.id)], ["state"], ["state"]
        )
        self.assertEqual(
            [(g["state"], g["state_count"]) for g in groups],
            [("new", 1), ("in_progress", 1), ("resolved", 1), ("rejected", 0)],
        )

    def test_care_record_brings_the_staff(self):
        care = self.env["loop.care.record"].create(
            {
                "partner_id": self.alice.id,
                "product_id": self.service.id,
                "user_id": self.beautician.id,
            }
        )
        with Form(self.Feedback) as form:
            form.name = "Red cheeks after the peeling"
            form.kind = "complaint"
            form.partner_id = self.alice
            form.care_record_id = care
            self.assertEqual(form.staff_user_id, self.beautician)
        self.assertEqual(form.record.care_record_id, care)

    def test_access(self):
        plain = new_test_user(self.env, login="plain", groups="base.group_user")
        feedback = self._complaint()
        with self.assertRaises(AccessError):
            feedback.with_user(plain).read(["name"])
        # staff log and handle feedback but only managers delete it
        with self.assertRaises(AccessError):
            feedback.unlink()
        feedback.with_user(self.env.user).unlink()
        self.assertFalse(feedback.exists())
