"""Shared scenario builders of the tests: a company, its staff and products.

Nothing here needs a till: the bridge addons build their paid orders on this
base (the loop itself has no order source).
"""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

# The moment every test of the suite lives in (noon in Shanghai), from its
# class set-up to its last assertion: no test reads the real clock. A test
# that needs another day pins it with ``freeze_time`` inside this one. The
# test command runs the suite a second time with the process clock moved
# 1,000 days ahead, so a test that escapes this pin fails the day it is written.
TEST_NOW = "2026-11-23 04:00:00"


class LoopBaseCase(TransactionCase):
    """A company in Shanghai with the default tiers, a manager and two products.

    The clock is frozen at ``TEST_NOW`` for the whole class (Odoo's
    ``TransactionCase.freeze_time``). The company comes from
    ``_loop_company``: a new one here; a bridge's base may give its own.
    """

    freeze_time = TEST_NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # tracking_disable, and the rest of the mail context of Odoo's test
        # bases (no log message, no automatic follower): the context the whole
        # suite had when it ran on those bases
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls._loop_company()
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.env.user.tz = "Asia/Shanghai"
        cls.env.user.groups_id |= cls.env.ref("five_customer_loop.group_loop_manager")
        cls.company._loop_create_default_tiers()
        cls.service = cls.env["product.product"].create(
            {
                "name": "Facial Care",
                "type": "service",
                "loop_bookable": True,
                "list_price": 300.0,
            }
        )
        cls.cream = cls.env["product.product"].create(
            {
                "name": "Hydrating Cream",
                "type": "consu",
                "list_price": 200.0,
            }
        )

    @classmethod
    def _loop_company(cls):
        """A new company (in US dollars), and the tests' user: an administrator
        of that company only (not the superuser: record rules apply), as on
        Odoo's own test bases."""
        company = cls.env["res.company"].create(
            {"name": "Loop Test Company", "currency_id": cls.env.ref("base.USD").id}
        )
        user = new_test_user(
            cls.env,
            login="loopman",
            groups="base.group_user,base.group_system,base.group_partner_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.env = cls.env(
            user=user, context=dict(cls.env.context, allowed_company_ids=company.ids)
        )
        return company

    @classmethod
    def company_user(cls, login, groups="five_customer_loop.group_loop_user", **vals):
        """A user of the test company only: a Customer Loop user unless told."""
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            **vals,
        )

    @classmethod
    def start_occasions(cls, *kinds, **vals):
        """Start campaigns on the loop's occasions (win-back, birthday,
        follow-up) in the test company: the loop raises those calls through
        them. The holdout share is as small as the model allows (a draw below
        1e-8: none of a test's customers), unless ``vals`` say otherwise."""
        types = {
            "win_back": "mail_activity_type_win_back",
            "birthday": "mail_activity_type_birthday",
            "follow_up": "mail_activity_type_follow_up",
        }
        campaigns = cls.env["loop.campaign"].create(
            [
                {
                    "name": kind,
                    "kind": kind,
                    "mode": "event",
                    "company_id": cls.company.id,
                    "holdout_percent": 1e-6,
                    "seed": 1,
                    "activity_type_id": cls.env.ref(
                        f"five_customer_loop.{types[kind]}"
                    ).id,
                    **vals,
                }
                for kind in kinds
            ]
        )
        campaigns.action_start()
        return campaigns

    def customer(self, name, **vals):
        return self.env["res.partner"].create({"name": name, **vals})

    def figures(self, partner, company=None):
        """The partner's loop figures as seen from ``company``."""
        partner = partner.with_company(company or self.company)
        partner.invalidate_recordset()
        self.env["loop.customer"].invalidate_model()
        return partner

    def days_since(self, partner, when, company=None):
        """Days since the partner's last visit as read at ``when``.

        The figure is computed when read (it changes every day without any
        order), so a test reads it at a pinned moment.
        """
        with freeze_time(when):
            return self.figures(partner, company).loop_days_since_visit
