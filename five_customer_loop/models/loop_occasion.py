"""The loop's occasions for customer care (客情关怀): birthdays and
post-service follow-ups (回访).

An occasion is handed to the running campaigns of its kind
(``loop.campaign._enrol_occasions``): they enrol the customer, draw whether
she is held out, and give the treated their activity (with its mail
template), so that every call the loop asks for is measured. The engine hands
over its win-back occasions the same way. With no campaign of the kind
running, an occasion raises nothing.
"""

from datetime import timedelta

from odoo import api, models

from ..lib import retention_rules


class LoopOccasion(models.AbstractModel):
    _name = "loop.occasion"
    _description = "Customer Care Occasions"

    # --------------------------------------------------------------- birthdays
    @api.model
    def _cron_birthdays(self):
        """Daily: the birthdays of the coming days, for every store.

        A customer with a lunar birthday (农历) is wished that one, else her
        solar birthday, ``loop_birthday_days`` days before (setting of the
        store whose loop she is in), on the store's local day. One query for
        the customers, whatever their number.
        """
        # sudo: a system task over every store's customers
        rows = (
            self.env["loop.customer"]
            .sudo()
            .search_fetch(
                [
                    "|",
                    ("partner_id.loop_birthday", "!=", False),
                    "&",
                    ("partner_id.loop_lunar_month", "!=", False),
                    ("partner_id.loop_lunar_day", "!=", False),
                ],
                ["partner_id", "company_id"],
            )
        )
        partners = rows.partner_id
        partners.fetch(["loop_birthday", "loop_lunar_month", "loop_lunar_day"])
        lunar_months = dict(
            partners._fields["loop_lunar_month"]._description_selection(self.env)
        )
        lunar_days = dict(
            partners._fields["loop_lunar_day"]._description_selection(self.env)
        )
        for company in rows.company_id:
            today = company._loop_today()
            items = []
            for partner in rows.filtered(lambda r, c=company: r.company_id == c).mapped(
                "partner_id"
            ):
                lunar = partner.loop_lunar_month and partner.loop_lunar_day
                birthday = retention_rules.birthday_due(
                    today,
                    company.loop_birthday_days,
                    partner.loop_birthday,
                    int(partner.loop_lunar_month or 0),
                    int(partner.loop_lunar_day or 0),
                )
                if not birthday:
                    continue
                if lunar:
                    summary = self.env._(
                        "Birthday on %(date)s (lunar %(month)s, %(day)s)",
                        date=birthday,
                        month=lunar_months[partner.loop_lunar_month],
                        day=lunar_days[partner.loop_lunar_day],
                    )
                else:
                    summary = self.env._("Birthday on %(date)s", date=birthday)
                items.append(
                    {
                        "partner_id": partner.id,
                        "occasion": birthday,
                        "date_deadline": birthday,
                        "summary": summary,
                    }
                )
            self.env["loop.campaign"]._enrol_occasions(
                "birthday", company, items, today
            )

    # --------------------------------------------------------------- follow-ups
    @api.model
    def _follow_ups(self, care_records):
        """The follow-up call after the services of ``care_records`` (done):
        for the customer's responsible staff, else the staff who delivered the
        service, due ``loop_follow_up_days`` days after the service's local
        day. Returns the new campaign members."""
        Member = self.env["loop.campaign.member"]
        for company in care_records.company_id:
            records = care_records.filtered(lambda r, c=company: r.company_id == c)
            items = []
            for record in records:
                day = record._local_date()
                items.append(
                    {
                        "partner_id": record.partner_id.id,
                        "occasion": day,
                        "date_deadline": day
                        + timedelta(days=company.loop_follow_up_days),
                        "user_id": record.user_id.id,
                        "summary": self.env._(
                            "Follow-up call after the service of %(date)s", date=day
                        ),
                    }
                )
            Member |= self.env["loop.campaign"]._enrol_occasions(
                "follow_up", company, items
            )
        return Member

    @api.model
    def _cancel_follow_ups(self, care_records):
        """``care_records`` were cancelled: a follow-up enrolled for a service
        day that no done care record holds any more is void, it goes with its
        open activity (the service did not happen)."""
        occasions = {
            (record.partner_id.id, record.company_id.id, record._local_date())
            for record in care_records
        }
        if not occasions:
            return
        partner_ids = [key[0] for key in occasions]
        # sudo: the beautician who cancels her record cannot see the
        # campaign's rows; only the members of her record's occasion go
        still_done = {
            (r.partner_id.id, r.company_id.id, r._local_date())
            for r in self.env["loop.care.record"]
            .sudo()
            .search([("partner_id", "in", partner_ids), ("state", "=", "done")])
        }
        members = (
            self.env["loop.campaign.member"]
            .sudo()
            .search(
                [
                    ("kind", "=", "follow_up"),
                    ("partner_id", "in", partner_ids),
                    ("occasion", "in", [key[2] for key in occasions]),
                    ("window_closed", "=", False),
                ]
            )
            .filtered(
                lambda m: (key := (m.partner_id.id, m.company_id.id, m.occasion))
                in occasions
                and key not in still_done
            )
        )
        members.activity_id.filtered("active").unlink()
        members.unlink()
