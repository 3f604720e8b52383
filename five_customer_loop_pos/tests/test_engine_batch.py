"""The engine's cron batches cost a fixed number of queries, whatever their size."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import LoopCase

TODAY = "2026-06-30 12:00:00"
DAY = date(2026, 6, 30)


@tagged("post_install", "-at_install", "is_query_count")
class TestEngineBatch(LoopCase):
    """Pin the queries of one statistics batch and one classification batch.

    Customers are made fast: one real paid order is created through the POS
    flow, then cloned through SQL for every customer (three visits each).
    Each batch also holds the same two at-risk customers followed by a staff
    member, so the win-back occasions (a running win-back campaign enrols
    them and calls them) are part of what is pinned.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = cls.env["res.users"].create(
            {
                "name": "Beautician",
                "login": "loop_batch_staff",
                "groups_id": [
                    (6, 0, cls.env.ref("five_customer_loop.group_loop_user").ids)
                ],
            }
        )
        template_customer = cls.env["res.partner"].create({"name": "Template"})
        cls.template = LoopCase.loop_order(
            cls, template_customer, 250.0, "2026-01-05 10:00:00"
        )
        cls.engine = cls.env["loop.engine"]
        cls.start_occasions("win_back")

    def _customers(self, n, at_risk=2):
        """``n`` customers with three paid visits, the last ``at_risk`` of them at risk.

        Regular customers came 10, 40 and 70 days ago; the at-risk ones 100,
        130 and 160 days ago (interval 30 days: at risk after max(60, 2 x 30)
        = 60 days, lost after 180) and have a responsible staff member.
        """
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {i}",
                    "loop_user_id": self.staff.id if i >= n - at_risk else False,
                }
                for i in range(n)
            ]
        )
        offsets = [0 if i < n - at_risk else 90 for i in range(n)]
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH visits AS (
                SELECT v.pid, v.offset_days + 30 * g - 20 AS days_ago
                  FROM unnest(%(pids)s::int[], %(offsets)s::int[])
                       AS v(pid, offset_days),
                       generate_series(1, 3) g
            ), orders AS (
                INSERT INTO pos_order
                       (session_id, config_id, company_id, name, state, amount_total,
                        amount_tax, amount_paid, amount_return, currency_rate, user_id,
                        sale_journal, partner_id, date_order)
                SELECT t.session_id, t.config_id, t.company_id, t.name, t.state,
                       t.amount_total, t.amount_tax, t.amount_paid, t.amount_return,
                       t.currency_rate, t.user_id, t.sale_journal, v.pid,
                       %(day)s::timestamp + time '02:00'
                       - make_interval(days => v.days_ago)
                  FROM visits v, pos_order t WHERE t.id = %(template)s
             RETURNING id
            )
            INSERT INTO pos_order_line
                   (order_id, product_id, company_id, name, full_product_name, qty,
                    price_unit, price_subtotal, price_subtotal_incl)
            SELECT o.id, l.product_id, l.company_id, l.name, l.full_product_name, l.qty,
                   l.price_unit, l.price_subtotal, l.price_subtotal_incl
              FROM orders o, pos_order_line l WHERE l.order_id = %(template)s
            """,
            {
                "pids": partners.ids,
                "offsets": offsets,
                "day": DAY.isoformat(),
                "template": self.template.id,
            },
        )
        return partners

    def _one_batch(self, partners, phase, expected):
        """Run the cron's next batch on exactly ``partners`` in ``phase``.

        ``phase`` is 0 (statistics) or 1 (classification).
        """
        self.assertEqual(partners.ids, list(range(partners[0].id, partners[-1].id + 1)))
        self.env["ir.config_parameter"].sudo().set_param(
            "five_customer_loop.batch_size", len(partners)
        )
        self.engine._save_state(
            {
                "day": DAY.isoformat(),
                "phase": phase,
                "cursor": partners[0].id - 1,
                "done": 0,
            }
        )
        self.env.flush_all()
        # a cron batch starts on an empty record cache: so does each measure
        self.env.invalidate_all()
        if expected is None:  # warming up the registry caches
            done, _remaining = self.engine.run_batch()
        else:
            with self.assertQueryCount(expected):
                done, _remaining = self.engine.run_batch()
        self.assertEqual(done, len(partners))

    @freeze_time(TODAY)
    def test_batch_queries_do_not_grow_with_its_size(self):
        warm = self._customers(5)
        self._one_batch(warm, 0, None)
        self._one_batch(warm, 1, None)
        for n in (10, 500):
            with self.subTest(customers=n):
                partners = self._customers(n)
                self._one_batch(partners, 0, STATS_QUERIES)
                self._one_batch(partners, 1, CLASSIFY_QUERIES)
                regular = self.figures(partners[0])
                # 3 visits of 250.0, 30 days apart, the last one 10 days ago
                self.assertEqual(regular.loop_visit_count, 3)
                self.assertAlmostEqual(regular.loop_spend_12m, 750.0)
                self.assertEqual(regular.loop_days_since_visit, 10)
                self.assertEqual(regular.loop_health, "good")
                self.assertEqual(
                    regular.loop_stage_id,
                    self.env.ref("five_customer_loop.stage_retain"),
                )
                risky = self.figures(partners[-1])
                self.assertEqual(risky.loop_days_since_visit, 100)
                self.assertEqual(risky.loop_health, "at_risk")
                win_back = self.env.ref(
                    "five_customer_loop.mail_activity_type_win_back"
                )
                activities = self.env["mail.activity"].search(
                    [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
                )
                self.assertEqual(activities.activity_type_id, win_back)
                self.assertEqual(activities.mapped("res_id"), partners[-2:].ids)

    @freeze_time(TODAY)
    def test_killed_batch_resumes_from_saved_state(self):
        """A batch that fails leaves the state of the last committed batch."""
        partners = self._customers(6, at_risk=0)
        self.env["ir.config_parameter"].sudo().set_param(
            "five_customer_loop.batch_size", 3
        )
        self.engine._save_state(
            {
                "day": DAY.isoformat(),
                "phase": 0,
                "cursor": partners[0].id - 1,
                "done": 0,
            }
        )
        self.engine.run_batch()
        run = self.env["loop.engine.run"]._state()
        fields = ["day", "phase", "cursor", "done"]
        saved = run.read(fields)
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            self.engine.run_batch()
            raise ZeroDivisionError  # the worker dies before the commit
        run.invalidate_recordset()
        self.assertEqual(run.read(fields), saved)
        done, _remaining = self.engine.run_batch()
        self.assertEqual(done, 6)
        self.assertEqual(self.figures(partners[-1]).loop_visit_count, 3)
        self.assertEqual(
            self.figures(partners[0]).loop_last_visit, DAY - timedelta(days=10)
        )

    @freeze_time(TODAY)
    def test_run_rewrites_only_what_differs(self):
        """A run sends the rows whose stored figures differ, and corrects them.

        The figures are compared with the stored row before the write (dates,
        amounts to the cent, empty values): a row equal to its figures is not
        written again, a row altered behind the engine's back is corrected.
        """
        partners = self._customers(3, at_risk=0)
        self.engine.run_all()
        regular = self.env["loop.customer"].search(
            [
                ("partner_id", "=", partners[0].id),
                ("company_id", "=", self.env.company.id),
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE loop_customer SET spend_total = 749.99, first_visit = NULL,
                      write_date = '2026-01-01'
                WHERE id = %s""",
            [regular.id],
        )
        self.env.cr.execute(
            "UPDATE loop_customer SET write_date = '2026-01-01' WHERE partner_id = %s",
            [partners[1].id],
        )
        self.env.invalidate_all()
        self.engine.run_all()
        # 3 visits of 250.0, the first 70 days ago
        self.assertAlmostEqual(regular.spend_total, 750.0)
        self.assertEqual(regular.first_visit, DAY - timedelta(days=70))
        self.assertEqual(str(regular.write_date), TODAY)  # written again
        untouched = regular.search([("partner_id", "=", partners[1].id)])
        self.assertEqual(str(untouched.write_date), "2026-01-01 00:00:00")


# Pinned query counts of one cron batch (any size, any number of companies
# stays the same: the test company and the main company here).
# Figures are written into loop.customer (one statement per write, then the
# ORM is told with modified()); the run's state is a record (loop.engine.run)
# read and written each batch. The classification also asks which of the
# customers newly at risk a running win-back campaign holds out (51 before).
STATS_QUERIES = 28
CLASSIFY_QUERIES = 53
