"""The nightly recompute through the job queue gives the cron's figures."""

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.five_customer_loop.models.loop_customer import FIGURES
from odoo.addons.five_customer_loop_pos.tests.common import LoopCase
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
class TestQueueRecompute(LoopCase):
    """Alice paid 250 three times this year; Bob once, ten months ago.

    The batch size is 2 partners, so the run has several batches.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.env["res.partner"].create({"name": "Alice"})
        cls.bob = cls.env["res.partner"].create({"name": "Bob"})
        for when in ("2026-08-01 10:00", "2026-09-01 10:00", "2026-10-01 10:00"):
            cls.loop_order(cls, cls.alice, 250.0, when)
        cls.loop_order(cls, cls.bob, 400.0, "2026-01-20 10:00")
        cls.env["ir.config_parameter"].sudo().set_param(
            "five_customer_loop.batch_size", 2
        )
        cls.engine = cls.env["loop.engine"]
        cls.partners = cls.alice | cls.bob

    def snapshot(self):
        """Every figure of every ``loop_customer`` row, in partner order."""
        self.env.flush_all()
        columns = SQL(", ").join(SQL.identifier(name) for name in FIGURES)
        return self.env.execute_query(
            SQL(
                "SELECT partner_id, company_id, %s FROM loop_customer "
                "ORDER BY partner_id, company_id",
                columns,
            )
        )

    def forget_figures(self):
        """Figures gone wrong behind the engine's back (the jobs must redo them)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE loop_customer SET visit_count = 0, visit_count_12m = 0,
                          spend_12m = 0, spend_total = 0, avg_ticket = 0
                    WHERE partner_id = ANY(%s)""",
                self.partners.ids,
            )
        )
        self.env.invalidate_all()

    def run_jobs(self):
        """Run the cron, then its jobs in their graph's order; return the jobs."""
        with trap_jobs() as trap:
            self.engine._cron_recompute()
            jobs = list(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
        self.env.invalidate_all()
        return jobs

    def test_cron_enqueues_the_run_once_a_day(self):
        ranges = self.engine._job_ranges()
        partners = self.env.execute_query(SQL("SELECT COUNT(*) FROM res_partner"))[0][0]
        self.assertEqual(len(ranges), (partners + 1) // 2)
        self.assertIsNone(ranges[-1][1])
        covered = sum(len(self.engine._range_ids(low, high)) for low, high in ranges)
        self.assertEqual(covered, partners)
        companies = self.env["res.company"].search_count([])
        with trap_jobs() as trap:
            self.engine._cron_recompute()
            # per company: a statistics and a classification job per batch,
            # and the segment thresholds between them
            trap.assert_jobs_count(companies * (2 * len(ranges) + 1))
            trap.assert_jobs_count(companies, only=self.engine._job_thresholds)
            self.engine._cron_recompute()  # the same day: nothing more
            trap.assert_jobs_count(companies * (2 * len(ranges) + 1))
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.loop"})

    def test_jobs_give_the_figures_of_the_cron(self):
        self.engine.run_all()
        reference = self.snapshot()
        self.forget_figures()
        self.assertNotEqual(self.snapshot(), reference)
        self.run_jobs()
        self.assertEqual(self.snapshot(), reference)
        alice = self.figures(self.alice)
        self.assertEqual((alice.loop_visit_count, alice.loop_spend_12m), (3, 750.0))
        bob = self.figures(self.bob)
        self.assertEqual((bob.loop_visit_count, bob.loop_spend_12m), (1, 400.0))

    def test_a_job_run_again_counts_nothing_twice(self):
        """A job retried after a failure, or requeued after its worker died,
        recomputes its batch: the figures and histories stay as they were."""
        self.forget_figures()
        jobs = self.run_jobs()
        figures = self.snapshot()
        histories = (
            self.env["loop.stage.history"].search_count([]),
            self.env["loop.tier.history"].search_count([]),
        )
        for job in jobs:
            job.perform()
        self.env.invalidate_all()
        self.assertEqual(self.snapshot(), figures)
        self.assertEqual(
            (
                self.env["loop.stage.history"].search_count([]),
                self.env["loop.tier.history"].search_count([]),
            ),
            histories,
        )
        self.assertEqual(self.figures(self.alice).loop_visit_count, 3)

    @mute_logger("odoo.addons.five_customer_loop_queue.models.loop_engine")
    def test_stalled_queue_falls_back_to_the_cron(self):
        """Jobs of the loop still pending after 20 hours: no job runner takes
        them, so the cron runs the batches itself and the figures are right."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO queue_job (uuid, state, channel, date_created)
                   VALUES ('stalled-loop-job', 'pending', 'root.loop', %s)""",
                "2026-11-22 07:00:00",  # 21 hours before TEST_NOW
            )
        )
        self.forget_figures()
        run = self.env["loop.engine.run"]._state()
        with trap_jobs() as trap:
            for _call in range(100):  # the cron calls again while work remains
                self.engine._cron_recompute()
                if run.phase >= 2:
                    break
            trap.assert_jobs_count(0)
        self.assertEqual(run.phase, 2)
        self.env.invalidate_all()
        self.assertEqual(self.figures(self.alice).loop_visit_count, 3)
        # 19 hours: still tonight's jobs, waiting their turn
        with freeze_time("2026-11-23 02:00:00"), trap_jobs() as trap:
            self.engine.env["loop.engine.run"]._state().queued_day = False
            self.engine._cron_recompute()
            self.assertGreater(trap.jobs_count(), 0)
