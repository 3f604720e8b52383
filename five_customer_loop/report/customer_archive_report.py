"""Values of the Customer Archive PDF: the three archives of each customer."""

from odoo import api, fields, models
from odoo.tools import SQL

# How many of the latest care records and feedback the archive prints.
LAST_CARE_RECORDS = 5
LAST_FEEDBACK = 5


class CustomerArchiveReport(models.AbstractModel):
    _name = "report.five_customer_loop.report_customer_archive"
    _description = "Customer Archive Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        company = self.env.company
        # Company-dependent figures are read for the company printing the archive.
        partners = self.env["res.partner"].with_company(company).browse(docids)
        is_loop_user = self.env.user.has_group("five_customer_loop.group_loop_user")
        care = self._latest(
            "loop.care.record",
            partners,
            company,
            LAST_CARE_RECORDS,
            [("state", "=", "done")],
        )
        feedback = self._latest("loop.feedback", partners, company, LAST_FEEDBACK, [])
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "today": fields.Date.context_today(self),
            "show_sensitive": is_loop_user,
            "show_care": care is not None,
            "show_feedback": feedback is not None,
            "care_records": care or {},
            "feedback": feedback or {},
        }

    @api.model
    def _latest(self, model_name, partners, company, limit, domain):
        """The latest ``limit`` records of each partner, ``{partner_id: records}``.

        One query for the whole batch of customers; the record rules apply.
        Returns ``None`` when the user may not read the model at all.
        """
        Model = self.env[model_name]
        if not Model.has_access("read") or not partners:
            return None
        Model.flush_model(["partner_id", "company_id", "date"])
        query = Model._search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                *domain,
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT id FROM (
                       SELECT r.id, r.date, row_number() OVER (
                                  PARTITION BY r.partner_id
                                  ORDER BY r.date DESC, r.id DESC
                              ) AS rank
                         FROM %(table)s r WHERE r.id IN %(ids)s
                   ) ranked WHERE rank <= %(limit)s ORDER BY date DESC, id DESC""",
                table=SQL.identifier(Model._table),
                ids=query.subselect(),
                limit=limit,
            )
        )
        records = Model.browse([row[0] for row in rows])
        result = {partner.id: Model for partner in partners}
        for record in records:
            result[record.partner_id.id] |= record
        return result
