import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


def count_field(string, help=None):
    """A count of a measure's row, summed when rows are grouped."""
    return fields.Integer(string=string, readonly=True, aggregator="sum", help=help)


def rate_field(string, help=None, compute="_compute_rates"):
    """A percentage (or a median) of one row, stored: grouped rows do not add it
    up. ``compute=None`` for a figure the rebuild writes."""
    return fields.Float(
        string=string,
        compute=compute,
        store=True,
        readonly=True,
        aggregator=False,
        digits=(16, 1),
        help=help,
    )


class LoopMeasureMixin(models.AbstractModel):
    """Stored rows of a measure built from the order history, per company and month.

    The measure's ``_rebuild(company)`` replaces the rows it may still change
    and returns the rows written; this mixin gives it the company and month
    columns, the month as ``YYYY-MM``, the nightly job over every company and
    the report's Refresh button.
    """

    _name = "loop.measure.mixin"
    _description = "Customer Loop Measure"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    month = fields.Date(required=True, readonly=True, index=True)
    period = fields.Char(compute="_compute_period", store=True)

    @api.depends("month")
    def _compute_period(self):
        for row in self:
            row.period = row.month and row.month.strftime("%Y-%m")

    @api.model
    def _rebuild(self, company):
        raise NotImplementedError

    @api.model
    def _cron_rebuild(self):
        """Every night, for every company."""
        for company in self.env["res.company"].sudo().search([]):  # every company
            rows = self.with_company(company)._rebuild(company)
            _logger.info(
                "Customer Loop: %s of %s, %s row(s)",
                self._description,
                company.name,
                len(rows),
            )

    def action_refresh(self):
        """The report's Refresh button: rebuild the current company's rows now."""
        self.check_access("read")
        self._rebuild(self.env.company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
