from odoo import fields, models

from ..lib import retention_rules


def _percent(value):
    """A rate of the report, e.g. ``75.0 %``."""
    return f"{value or 0.0:.1f} %"


class LoopMonthlyReportWizard(models.TransientModel):
    """Prints the monthly loop report (月度经营报告) of a store or of every store."""

    _name = "loop.monthly.report.wizard"
    _description = "Monthly Loop Report"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    month = fields.Date(
        required=True,
        default=lambda self: retention_rules.add_months(
            fields.Date.context_today(self), -1
        ),
        help="Any day of the month to report on; it must have ended.",
    )

    def _store_key(self):
        """The store reported on: 0 for all the stores of the company (bridges
        that count stores let the manager choose one, see
        ``loop.retention.snapshot._store_values``)."""
        self.ensure_one()
        return 0

    def _store_name(self):
        """The name of the store reported on, False for all the stores."""
        self.ensure_one()
        return False

    def action_print(self):
        self.ensure_one()
        self.env["loop.retention.snapshot"]._check_months(self.company_id, [self.month])
        # the Attract page reads the conversion as of today
        self.env["loop.channel.conversion"]._rebuild(self.company_id)
        return self.env.ref(
            "five_customer_loop.loop_monthly_report_action"
        ).report_action(self)

    # ------------------------------------------------------------------ figures
    def _month_figures(self, month):
        """Rows of ``month`` for the wizard's store: the stored snapshot when
        there is one (the figures as they were kept), else computed now."""
        Snapshot = self.env["loop.retention.snapshot"]
        store = self._store_key()
        stored = Snapshot.search(
            [
                ("company_id", "=", self.company_id.id),
                ("month", "=", month),
                ("store_key", "=", store),
            ]
        )
        if stored:
            return [
                {name: row[name] for name in Snapshot._figure_fields()}
                | {"tier_id": row.tier_id.id, "store_key": store}
                for row in stored
            ]
        return [
            row
            for row in Snapshot._compute_month(self.company_id, month)
            if row["store_key"] == store
        ]

    def _report_values(self):
        """Everything the PDF shows, for one wizard record."""
        self.ensure_one()
        company = self.company_id
        store = self._store_key()
        month = retention_rules.month_start(self.month)
        Snapshot = self.env["loop.retention.snapshot"]
        rows = self._month_figures(month)
        total = next((row for row in rows if not row["tier_id"]), None)
        tiers = self.env["loop.tier"].with_context(active_test=False)
        tier_rows = [
            {
                "tier": tiers.browse(row["tier_id"]),
                "kept": row["kept_count"],
                "visitors": row["visitor_count"],
                "spend": row["spend"],
                "share": retention_rules.share(row["spend"], total and total["spend"]),
                "per_capita": row["spend_per_capita"],
            }
            for row in rows
            if row["tier_id"]
        ]
        tier_rows.sort(key=lambda r: -r["tier"].min_spend)
        trend = Snapshot.search(
            [
                ("company_id", "=", company.id),
                ("store_key", "=", store),
                ("tier_id", "=", False),
                ("month", "<=", month),
                ("month", ">", retention_rules.add_months(month, -12)),
            ],
            order="month",
        )
        staff = [
            row
            for row in Snapshot._compute_month(company, month, by_staff=True)
            if row["store_key"] == store
        ]
        users = self.env["res.users"].browse([row["user_id"] for row in staff])
        staff_rows = sorted(
            (row | {"user": users.browse(row["user_id"])} for row in staff),
            key=lambda r: r["user"].name or "",
        )
        conversion = self.env["loop.channel.conversion"].search(
            [("company_id", "=", company.id), ("month", "=", month)]
        )
        enrolled = self.env["loop.campaign.member"]._read_group(
            [
                ("company_id", "=", company.id),
                ("enrol_date", ">=", month),
                ("enrol_date", "<", retention_rules.add_months(month, 1)),
            ],
            ["campaign_id"],
        )
        campaigns = self.env["loop.campaign"].browse(
            [campaign.id for (campaign,) in enrolled]
        )
        return {
            "campaigns": campaigns.with_context(active_test=False).sorted("id"),
            "pct": _percent,
            "conversion": conversion.sorted(lambda r: (-r.entered_count, r.id)),
            "company": company,
            "store_name": self._store_name(),
            "month_label": month.strftime("%Y-%m"),
            "total": total,
            "tier_rows": tier_rows,
            "trend": trend,
            "stages": self.env["loop.stage"].with_company(company).search([]),
            "staff_rows": staff_rows,
        }
