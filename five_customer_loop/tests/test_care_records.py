import base64
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.loop_care_record import LoopCareRecord
from .common import LoopBaseCase
from .refusal import RefusalMixin


class CareRecordCase(LoopBaseCase):
    """Alice, her consultant, a beautician and the follow-up campaign; shared
    with the bridge's care record tests (those that need paid orders or a
    second company)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Care = cls.env["loop.care.record"]
        cls.beautician = cls.company_user("beautician", tz="Asia/Shanghai")
        cls.consultant = cls.company_user("consultant", tz="Asia/Shanghai")
        cls.alice = cls.env["res.partner"].create(
            {"name": "Alice", "loop_user_id": cls.consultant.id}
        )
        cls.follow_up = cls.env.ref("five_customer_loop.mail_activity_type_follow_up")
        cls.start_occasions("follow_up")

    def _care(self, user=None, **vals):
        env = self.env(user=user or self.beautician)
        return env["loop.care.record"].create(
            {"partner_id": self.alice.id, "product_id": self.service.id, **vals}
        )


@tagged("post_install", "-at_install")
class TestCareRecords(RefusalMixin, CareRecordCase):
    # ------------------------------------------------------------------ the flow
    @freeze_time("2026-06-10 02:00:00")
    def test_draft_done_cancel_flow(self):
        care = self._care(
            condition_before="Dry cheeks",
            condition_after="Hydrated, slight redness",
            product_ids=[Command.set(self.cream.ids)],
            satisfaction="4",
            next_visit_date="2026-06-24",
        )
        # defaults: now (10:00 in Shanghai), the current user, draft, one hour
        self.assertEqual(care.date, datetime(2026, 6, 10, 2, 0))
        self.assertEqual(care.user_id, self.beautician)
        self.assertEqual(care.state, "draft")
        self.assertEqual(care.duration, 1.0)
        self.assertEqual(care.company_id, self.company)
        self.assertEqual(care.display_name, "Alice · Facial Care · 2026-06-10")
        self.assertEqual(care.product_ids, self.cream)
        self.assertFalse(care.activity_ids)
        self.assertEqual(self.alice.loop_care_count, 1)

        care.action_done()
        self.assertEqual(care.state, "done")
        # follow-up (回访) for the customer's responsible staff, 3 days after
        # the visit: the running follow-up campaign's call, on her page
        self.assertFalse(care.activity_ids)
        self.alice.invalidate_recordset(["activity_ids"])
        activity = self.alice.activity_ids
        self.assertEqual(activity.activity_type_id, self.follow_up)
        self.assertEqual(activity.user_id, self.consultant)
        self.assertEqual(activity.date_deadline, date(2026, 6, 13))

        # done twice: nothing happens a second time
        care.action_done()
        self.alice.invalidate_recordset(["activity_ids"])
        self.assertEqual(len(self.alice.activity_ids), 1)

        care.action_cancel()
        self.assertEqual(care.state, "cancelled")
        self.alice.invalidate_recordset(["activity_ids"])
        self.assertFalse(self.alice.activity_ids)
        self.alice.invalidate_recordset(["loop_care_count"])
        self.assertEqual(self.alice.loop_care_count, 0)
        with self.assertRaises(UserError):
            care.action_done()
        self.assertEqual(care.state, "cancelled")
        care.action_draft()
        self.assertEqual(care.state, "draft")

    @freeze_time("2026-06-10 17:30:00")
    def test_follow_up_falls_back_to_staff_and_local_day(self):
        bob = self.customer("Bob")
        care = self.Care.with_user(self.beautician).create(
            {"partner_id": bob.id, "product_id": self.service.id, "state": "done"}
        )
        # 17:30 UTC is 01:30 on 11 June in Shanghai: the visit day is the 11th,
        # and Bob has no responsible staff, so the follow-up goes to the beautician
        bob.invalidate_recordset(["activity_ids"])
        self.assertEqual(bob.activity_ids.user_id, self.beautician)
        self.assertEqual(bob.activity_ids.date_deadline, date(2026, 6, 14))
        self.assertEqual(care.display_name, "Bob · Facial Care · 2026-06-11")

    def test_done_and_cancel_hooks(self):
        calls = []
        with (
            patch.object(
                LoopCareRecord,
                "_on_done",
                autospec=True,
                side_effect=lambda r: calls.append(("done", r)),
            ),
            patch.object(
                LoopCareRecord,
                "_on_cancel",
                autospec=True,
                side_effect=lambda r: calls.append(("cancel", r)),
            ),
        ):
            created_done = self._care(state="done")
            draft = self._care()
            draft.action_done()
            draft.action_done()
            (draft | created_done).action_cancel()
            (draft | created_done).action_cancel()
            other = self._care()
            other.action_cancel()
        self.assertEqual(
            calls,
            [
                ("done", created_done),
                ("done", draft),
                ("cancel", draft | created_done),
                ("cancel", other),
            ],
        )

    def test_partner_smart_button(self):
        self._care()
        self._care(state="done")
        self._care().action_cancel()
        # cancelled records are not counted
        self.assertEqual(self.alice.loop_care_count, 2)
        self.assertEqual(len(self.alice.loop_care_record_ids), 3)
        action = self.alice.action_loop_view_care_records()
        self.assertEqual(action["res_model"], "loop.care.record")
        self.assertEqual(action["domain"], [("partner_id", "=", self.alice.id)])
        self.assertEqual(action["context"], {"default_partner_id": self.alice.id})

    def test_found_by_customer_or_service(self):
        care = self._care()
        massage = self.env["product.product"].create(
            {"name": "Back Massage", "type": "service"}
        )
        other = self._care(product_id=massage.id)
        Care = self.Care.with_user(self.beautician)
        self.assertEqual(Care.search([("display_name", "ilike", "alic")]), other | care)
        self.assertEqual(Care.search([("display_name", "ilike", "massage")]), other)
        self.assertEqual([r[0] for r in Care.name_search("facial")], [care.id])

    def test_photos_are_linked_to_the_record(self):
        png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake")
        # the upload widget creates the attachment before the record exists
        photo = (
            self.env["ir.attachment"]
            .with_user(self.beautician)
            .create(
                {
                    "name": "before.png",
                    "datas": png,
                    "res_model": "loop.care.record",
                    "res_id": 0,
                }
            )
        )
        care = self._care(photo_ids=[Command.set(photo.ids)])
        self.assertEqual((photo.res_model, photo.res_id), ("loop.care.record", care.id))
        second = (
            self.env["ir.attachment"]
            .with_user(self.beautician)
            .create(
                {
                    "name": "after.png",
                    "datas": png,
                    "res_model": "loop.care.record",
                    "res_id": 0,
                }
            )
        )
        care.write({"photo_ids": [Command.link(second.id)]})
        self.assertEqual(second.res_id, care.id)
        self.assertEqual(care.photo_ids, photo | second)

    @freeze_time("2026-06-10 02:00:00")
    def test_booking_fills_date_and_duration(self):
        event = self.env["calendar.event"].create(
            {
                "name": "Alice facial",
                "start": "2026-06-12 06:00:00",
                "stop": "2026-06-12 07:30:00",
                "partner_ids": [Command.set(self.alice.ids)],
            }
        )
        with Form(self.Care.with_user(self.beautician)) as form:
            form.partner_id = self.alice
            form.product_id = self.service
            form.calendar_event_id = event
            self.assertEqual(form.date, datetime(2026, 6, 12, 6, 0))
            self.assertEqual(form.duration, 1.5)
        care = form.save()
        self.assertEqual(care.calendar_event_id, event)

    # ----------------------------------------------------------------- bad input
    def test_archived_customer_refused(self):
        gone = self.customer("Gone")
        gone.action_archive()
        with self.assertRefused(ValidationError, "Gone is archived"):
            self.Care.create({"partner_id": gone.id, "product_id": self.service.id})
        care = self._care()
        with self.assertRefused(ValidationError, "Gone is archived"):
            care.write({"partner_id": gone.id})
        self.assertEqual(care.partner_id, self.alice)
        self.assertFalse(
            self.Care.with_context(active_test=False).search(
                [("partner_id", "=", gone.id)]
            )
        )

    def test_satisfaction_outside_one_to_five_refused(self):
        for bad in ("6", 7, -1, "excellent"):
            with self.subTest(bad=bad), self.assertRefused(ValidationError, "1 to 5"):
                self._care(satisfaction=bad)
        self.assertFalse(self.Care.search([("partner_id", "=", self.alice.id)]))
        care = self._care(satisfaction=5)
        self.assertEqual(care.satisfaction, "5")
        with self.assertRefused(ValidationError, "1 to 5"):
            care.write({"satisfaction": "9"})
        self.assertEqual(care.satisfaction, "5")
        care.write({"satisfaction": False})
        self.assertEqual(care.satisfaction, "0")

    @freeze_time("2026-06-10 17:30:00")
    def test_next_visit_before_care_date_refused(self):
        # the care happens at 01:30 on 11 June in Shanghai
        with self.assertRefused(ValidationError, "cannot be before the care date"):
            self._care(next_visit_date="2026-06-10")
        self.assertFalse(self.Care.search([("partner_id", "=", self.alice.id)]))
        care = self._care(next_visit_date="2026-06-11")
        with self.assertRefused(ValidationError, "cannot be before the care date"):
            care.write({"date": "2026-06-12 02:00:00"})
        self.assertEqual(care.date, datetime(2026, 6, 10, 17, 30))
        self.assertEqual(str(care.next_visit_date), "2026-06-11")

    def test_done_record_cannot_be_deleted(self):
        care = self._care(state="done")
        with self.assertRefused(UserError, "cancel it instead"):
            care.unlink()
        self.assertTrue(care.exists())
        draft = self._care()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_negative_duration_refused(self):
        with self.assertRaises(ValidationError):
            self._care(duration=-1.0)
        self.assertFalse(self.Care.search([("partner_id", "=", self.alice.id)]))
