from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Ledger columns of the liability statement: opening + sold - consumed
# - refunded - expired + adjusted = closing (every amount in card value).
MEASURES = (
    "opening",
    "sold",
    "paid",
    "consumed",
    "refunded",
    "refunded_cash",
    "expired",
    "adjusted",
    "closing",
)


class LoopCardLiabilityWizard(models.TransientModel):
    """Card liability (unused value) of a period, per card type and store."""

    _name = "loop.card.liability.wizard"
    _description = "Card Liability Statement"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    line_ids = fields.One2many("loop.card.liability.line", "wizard_id", string="Lines")
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    opening = fields.Monetary(compute="_compute_totals", string="Opening Liability")
    sold = fields.Monetary(compute="_compute_totals")
    paid = fields.Monetary(compute="_compute_totals", string="Cash Received")
    consumed = fields.Monetary(compute="_compute_totals")
    refunded = fields.Monetary(compute="_compute_totals")
    refunded_cash = fields.Monetary(compute="_compute_totals", string="Cash Refunded")
    expired = fields.Monetary(compute="_compute_totals", string="Expired Value")
    adjusted = fields.Monetary(compute="_compute_totals")
    closing = fields.Monetary(
        compute="_compute_totals",
        string="Outstanding Liability",
        help="Unused value on the cards at the end of the period.",
    )

    @api.depends("line_ids")
    def _compute_totals(self):
        for wizard in self:
            for name in MEASURES:
                wizard[name] = sum(wizard.line_ids.mapped(name))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The period must start before it ends."))

    def _compute_lines(self):
        """Replace the lines by the statement of the period: one query."""
        self.ensure_one()
        companies = self.company_ids & self.env.companies
        if not companies:
            raise UserError(self.env._("Choose at least one of your companies."))
        self.env["loop.card.move"].flush_model()
        in_period = SQL("m.date >= %s", self.date_from)
        splits = self._line_splits()
        keys = SQL("").join(SQL("%s, ", column) for column in splits.values())
        rows = self.env.execute_query(
            SQL(
                """SELECT m.type_id, m.company_id, %(keys)s
                          COALESCE(SUM(m.amount) FILTER (WHERE m.date < %(start)s), 0),
                          COALESCE(SUM(m.amount) FILTER (
                              WHERE %(period)s AND m.kind IN ('issue', 'topup')), 0),
                          COALESCE(SUM(m.paid_amount) FILTER (
                              WHERE %(period)s AND m.kind IN ('issue', 'topup')), 0),
                          -COALESCE(SUM(m.amount) FILTER (
                              WHERE %(period)s AND m.kind = 'consume'), 0),
                          -COALESCE(SUM(m.amount) FILTER (
                              WHERE %(period)s AND m.kind = 'refund'), 0),
                          -COALESCE(SUM(m.paid_amount) FILTER (
                              WHERE %(period)s AND m.kind = 'refund'), 0),
                          -COALESCE(SUM(m.amount) FILTER (
                              WHERE %(period)s AND m.kind = 'expire'), 0),
                          COALESCE(SUM(m.amount) FILTER (
                              WHERE %(period)s AND m.kind = 'adjust'), 0),
                          COALESCE(SUM(m.amount), 0)
                     FROM loop_card_move m
                    WHERE m.company_id = ANY(%(companies)s) AND m.date <= %(end)s
                    GROUP BY %(keys)s m.type_id, m.company_id
                    ORDER BY m.company_id, m.type_id %(order)s""",
                keys=keys,
                order=SQL("").join(
                    SQL(", %s NULLS FIRST", column) for column in splits.values()
                ),
                start=self.date_from,
                end=self.date_to,
                period=in_period,
                companies=companies.ids,
            )
        )
        self.line_ids.unlink()
        self.env["loop.card.liability.line"].create(
            [
                {
                    "wizard_id": self.id,
                    "type_id": type_id,
                    "company_id": company_id,
                    **dict(zip(splits, values[: len(splits)], strict=True)),
                    **dict(
                        zip(
                            MEASURES,
                            (float(v) for v in values[len(splits) :]),
                            strict=True,
                        )
                    ),
                }
                for type_id, company_id, *values in rows
            ]
        )
        return self.line_ids

    def _line_splits(self):
        """``{line field: SQL of the card moves m}``: what a statement line is
        split by beside its card type and company (bridges add theirs, as the
        POS shop of the moves)."""
        return {}

    def action_open(self):
        """Compute the statement and show it as a pivot."""
        self._compute_lines()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_liability_line_action"
        )
        action["domain"] = [("wizard_id", "=", self.id)]
        action["context"] = {"liability_wizard_id": self.id}
        action["display_name"] = self.env._(
            "Card Liability %(start)s – %(end)s", start=self.date_from, end=self.date_to
        )
        return action

    def action_print(self):
        """Compute the statement and print it as PDF."""
        self._compute_lines()
        return self.env.ref(
            "five_customer_loop.loop_card_liability_report_action"
        ).report_action(self)
