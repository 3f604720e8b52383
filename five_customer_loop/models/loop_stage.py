import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL


class LoopStage(models.Model):
    _name = "loop.stage"
    _description = "Loop Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical code of the stage "
        "(attract, retain, lockin, expand, upgrade, lost).",
    )
    sequence = fields.Integer(
        default=10,
        help="Higher stages come later in the loop; a customer sits in the "
        "highest stage whose rule matches.",
    )
    fold = fields.Boolean(string="Folded in Funnel")
    color = fields.Integer()
    description = fields.Text(translate=True)
    is_lost = fields.Boolean(
        string="Lost Stage",
        help="Customers without a paid visit for longer than the company's lost "
        "delay sit here, whatever the other rules say.",
    )
    rule_domain = fields.Char(
        string="Rule",
        default="[]",
        help="Domain over the customer's figures in the loop (Customer in the "
        "Loop): a customer matching it qualifies for this stage. An empty rule "
        "matches every customer.",
    )
    active = fields.Boolean(default=True)
    customer_count = fields.Integer(compute="_compute_funnel_figures")
    conversion_rate = fields.Float(
        compute="_compute_funnel_figures",
        string="Conversion (%)",
        help="Share of the customers who entered this stage and reached a later "
        "stage within the company's conversion window.",
    )
    avg_days_in_stage = fields.Float(
        compute="_compute_funnel_figures",
        string="Average Days in Stage",
        help="Average time customers spent in this stage before leaving it (or "
        "until today for those still in it).",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each stage code can be used only once."),
    ]

    @api.constrains("rule_domain")
    def _check_rule_domain(self):
        for stage in self:
            stage._rule_domain_list()

    @api.constrains("is_lost")
    def _check_single_lost(self):
        if self.search_count([("is_lost", "=", True)]) > 1:
            raise ValidationError(self.env._("Only one stage can be the Lost stage."))

    def _rule_domain_list(self):
        """The stage rule as a domain list, validated against loop.customer."""
        self.ensure_one()
        text = (self.rule_domain or "[]").strip() or "[]"
        try:
            domain = ast.literal_eval(text)
            if not isinstance(domain, list | tuple):
                raise ValueError
            domain = list(domain)
            members = self.env["loop.customer"]
            # Builds the SQL without running it: unknown fields or operators fail here.
            members._where_calc(expression.normalize_domain(domain))
        except (ValueError, SyntaxError, TypeError, KeyError, AssertionError) as err:
            raise ValidationError(
                self.env._(
                    "The rule of stage %(stage)s is not a valid domain over customers: "
                    "%(rule)s (%(error)s)",
                    stage=self.name,
                    rule=text,
                    error=str(err) or type(err).__name__,
                )
            ) from err
        return domain

    def _compute_funnel_figures(self):
        company = self.env.company
        counts = dict(
            self.env["loop.customer"]._read_group(
                [("stage_id", "in", self.ids), ("company_id", "=", company.id)],
                ["stage_id"],
                ["__count"],
            )
        )
        figures = self._stage_history_figures(company) if self.ids else {}
        for stage in self:
            stage.customer_count = counts.get(stage, 0)
            conversion, days = figures.get(stage.id, (0.0, 0.0))
            stage.conversion_rate = conversion
            stage.avg_days_in_stage = days

    def _stage_history_figures(self, company):
        """``{stage_id: (conversion %, average days in stage)}`` from the history."""
        self.env["loop.stage.history"].flush_model()
        self.flush_model(["sequence"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH entered AS (
                    SELECT h.id, h.partner_id, h.stage_to_id AS stage_id, h.date,
                           COALESCE(h.date_end, %(now)s) AS date_end,
                           s.sequence
                      FROM loop_stage_history h
                      JOIN loop_stage s ON s.id = h.stage_to_id
                     WHERE h.company_id = %(company)s AND h.stage_to_id = ANY(%(ids)s)
                )
                SELECT e.stage_id,
                       100.0 * COUNT(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM loop_stage_history n
                             JOIN loop_stage ns ON ns.id = n.stage_to_id
                            WHERE n.partner_id = e.partner_id
                              AND n.company_id = %(company)s
                              AND ns.is_lost IS NOT TRUE
                              AND ns.sequence > e.sequence
                              AND n.date >= e.date
                              AND n.date <= e.date + make_interval(days => %(days)s)
                       )) / COUNT(*),
                       AVG(EXTRACT(EPOCH FROM (e.date_end - e.date)) / 86400.0)
                  FROM entered e
                 GROUP BY e.stage_id
                """,
                company=company.id,
                ids=self.ids,
                days=company.loop_conversion_days,
                now=fields.Datetime.now(),
            )
        )
        return {stage_id: (conv or 0.0, days or 0.0) for stage_id, conv, days in rows}

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.res_partner_action_loop_customers"
        )
        action["domain"] = [("loop_stage_id", "=", self.id)]
        return action
