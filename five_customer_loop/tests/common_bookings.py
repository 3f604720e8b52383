"""Staff, services and helpers shared by the booking tests."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command

from .common_cards import CardCase

SHANGHAI = timedelta(hours=8)


def utc(local):
    """A local Shanghai time ``"YYYY-MM-DD HH:MM"`` as a naive UTC datetime."""
    return datetime.fromisoformat(local) - SHANGHAI


class BookingCase(CardCase):
    """Two beauticians and two services with durations.

    - Facial Care: 1 hour, the customer should come back after 21 days.
    - Massage: 30 minutes, no rebooking interval of its own.
    The company is in Asia/Shanghai (UTC+8): local 10:00 is 02:00 UTC.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.write({"loop_duration": 1.0, "loop_rebook_interval_days": 21})
        cls.massage.write({"loop_duration": 0.5})
        cls.anna = cls.company_user("anna", name="Anna", tz="Asia/Shanghai")
        cls.bella = cls.company_user("bella", name="Bella", tz="Asia/Shanghai")
        cls.Event = cls.env["calendar.event"]

    def book(self, start="2026-06-10 10:00", partner=None, staff=None, **vals):
        """A booking of the Facial Care at local ``start``, made by its staff member."""
        staff = staff or self.anna
        vals.setdefault("loop_service_ids", [Command.set(self.service.ids)])
        return (
            self.env(user=staff)["calendar.event"]
            .create(
                {
                    "loop_partner_id": (partner or self.alice).id,
                    "loop_staff_id": staff.id,
                    "start": utc(start),
                    **vals,
                }
            )
            .with_env(self.env)
        )

    def clock(self, local):
        """Freeze the clock at local Shanghai time ``"YYYY-MM-DD HH:MM"``."""
        return freeze_time(utc(local))
