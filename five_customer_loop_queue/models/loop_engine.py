"""The nightly recompute as queue jobs (OCA ``queue_job``).

The cron hands the day's full run to the job queue instead of running its
batches itself: per company, one statistics job per batch of partners, then
the company's segment thresholds, then one classification job per batch
(``chain`` of ``group`` s: a company's classification waits for all of its
statistics). The jobs run on the channel ``root.loop``, whose capacity the
server's configuration sets (``channels = root:4,root.loop:2``), on any Odoo
worker of any host that runs the job runner.

Each job recomputes its batch from the orders, cards and bookings: running it
twice gives the same figures, so a job retried after a failure, or requeued
after its worker died, counts nothing twice.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import identity_exact

CHANNEL = "root.loop"
# Jobs of the loop still waiting after this long: no job runner takes them.
STALLED = timedelta(hours=20)

_logger = logging.getLogger(__name__)


class LoopEngine(models.AbstractModel):
    _inherit = "loop.engine"

    @api.model
    def _cron_recompute(self):
        """Nightly: hand today's full run to the job queue, once a day.

        When the loop's jobs of an earlier night still wait, no job runner
        takes them (``queue_job`` installed but not loaded by the server): the
        cron then runs the batches itself, as without the queue, and says so.
        """
        if self._jobs_stalled():
            _logger.warning(
                "Five-Customer Loop: the jobs of an earlier night still wait on "
                "channel %s (is queue_job a server-wide module?): the cron "
                "recomputes the figures itself.",
                CHANNEL,
            )
            return super()._cron_recompute()
        # sudo: the run state is a technical record of this engine only.
        run = self.env["loop.engine.run"].sudo()._state()
        today = self.env.company._loop_today()
        if run.queued_day == today:
            return
        jobs = self._enqueue_run()
        run.queued_day = today
        self.env["ir.cron"]._notify_progress(done=jobs, remaining=0)

    @api.model
    def _jobs_stalled(self):
        # sudo: only whether the engine's own jobs wait, not what they hold
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("channel", "=", CHANNEL),
                    ("state", "=", "pending"),
                    ("date_created", "<", fields.Datetime.now() - STALLED),
                ],
                limit=1,
            )
        )

    @api.model
    def _job_ranges(self):
        """``[(low, high)]``: partner ids in batches of the batch size; the last
        one is open (``high`` None) for partners created meanwhile."""
        rows = self.env.execute_query(
            SQL(
                """SELECT MIN(id), MAX(id) FROM (
                       SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS batch
                         FROM res_partner) AS numbered
                    GROUP BY batch ORDER BY 1""",
                self._batch_size(),
            )
        )
        ranges = [tuple(row) for row in rows]
        if ranges:
            ranges[-1] = (ranges[-1][0], None)
        return ranges

    @api.model
    def _enqueue_run(self):
        """Enqueue the full run's jobs for every company; return their number."""
        ranges = self._job_ranges()
        companies = self.env["res.company"].sudo().search([])  # every company
        graphs, count = [], 0
        for company in companies:
            day = fields.Date.to_string(company._loop_today())
            stats, classify = (
                [
                    self._job(
                        method,
                        description % {"company": company.name, "low": low},
                    )(company.id, low, high, day)
                    for low, high in ranges
                ]
                for method, description in (
                    (
                        "_job_stats",
                        self.env._(
                            "Loop statistics of %(company)s, partners from %(low)s"
                        ),
                    ),
                    (
                        "_job_classify",
                        self.env._("Loop stages of %(company)s, partners from %(low)s"),
                    ),
                )
            )
            thresholds = self._job(
                "_job_thresholds",
                self.env._(
                    "Loop segment thresholds of %(company)s", company=company.name
                ),
            )(company.id)
            graphs.append(chain(group(*stats), thresholds, group(*classify)))
            count += len(stats) + len(classify) + 1
        if graphs:
            group(*graphs).delay()
        return count

    @api.model
    def _job(self, method, description):
        """The delayable ``method`` of the engine, on the loop's channel, enqueued
        once for the same arguments (a cron run twice the same day)."""
        return getattr(
            self.delayable(
                channel=CHANNEL, identity_key=identity_exact, description=description
            ),
            method,
        )

    @api.model
    def _range_ids(self, low, high):
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT id FROM res_partner
                        WHERE id >= %s AND (%s::int IS NULL OR id <= %s)
                        ORDER BY id""",
                    low,
                    high,
                    high,
                )
            )
        ]

    @api.model
    def _job_stats(self, company_id, low, high, day):
        """Statistics of the partners ``low``..``high`` in a company (a job)."""
        self._batch_settings()
        company = self.env["res.company"].browse(company_id)
        ids = self._range_ids(low, high)
        if ids:
            self._compute_stats(company, ids, fields.Date.to_date(day))
        return len(ids)

    @api.model
    def _job_thresholds(self, company_id):
        """The company's segment thresholds, once its statistics are done (a job)."""
        self._update_segment_thresholds(self.env["res.company"].browse(company_id))

    @api.model
    def _job_classify(self, company_id, low, high, day):
        """Tier, segment, health and stage of the partners ``low``..``high`` (a job)."""
        self._batch_settings()
        company = self.env["res.company"].browse(company_id)
        ids = self._range_ids(low, high)
        if ids:
            self._classify(company, ids, fields.Date.to_date(day), candidates=True)
        return len(ids)
