from odoo import api, fields, models

# The loop status the till shows (static/src/pos/pos_store.js reads them again).
POS_LOOP_FIELDS = (
    "loop_tier_name",
    "loop_stage_name",
    "loop_health",
    "loop_card_balance",
    "loop_card_sessions",
    "loop_booking_staff_id",
)


class ResPartner(models.Model):
    """The customer's home store, and what the till shows of her loop status."""

    _inherit = "res.partner"

    loop_store_id = fields.Many2one(
        "pos.config", string="Home Store", index="btree_not_null", ondelete="set null"
    )
    loop_tier_name = fields.Char(string="Tier Name", compute="_compute_loop_pos_names")
    loop_stage_name = fields.Char(
        string="Stage Name", compute="_compute_loop_pos_names"
    )

    loop_booking_staff_id = fields.Many2one(
        "res.users",
        string="Booked Staff Today",
        compute="_compute_loop_booking_staff_id",
        help="The staff member of the customer's first booking today in the "
        "current store (done, booked or confirmed): the till names them on the "
        "services it sells her.",
    )

    @api.depends_context("company")
    @api.depends("loop_tier_id", "loop_stage_id")
    def _compute_loop_pos_names(self):
        # names for the POS, which loads neither tiers nor stages
        for partner in self:
            partner.loop_tier_name = partner.loop_tier_id.name or False
            partner.loop_stage_name = partner.loop_stage_id.name or False

    def _compute_loop_booking_staff_id(self):
        company = self.env.company
        today = company._loop_today()
        # sudo: only the staff member of today's bookings is read, for the
        # till's default credit; the cashier needs no calendar rights for it
        bookings = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("is_loop_booking", "=", True),
                    ("loop_partner_id", "in", self.ids),
                    ("loop_company_id", "=", company.id),
                    ("loop_staff_id", "!=", False),
                    ("loop_state", "not in", ("cancelled", "no_show")),
                    ("start", ">=", company._loop_day_start(today)),
                    ("start", "<", company._loop_day_start(today, days=1)),
                ],
                order="start, id",
            )
        )
        staff = {}
        for booking in bookings:
            staff.setdefault(booking.loop_partner_id.id, booking.loop_staff_id.id)
        for partner in self:
            partner.loop_booking_staff_id = staff.get(partner.id, False)

    @api.model
    def _load_pos_data_fields(self, config_id):
        # the figures are those of the POS company (the POS session puts it in
        # the context)
        return [*super()._load_pos_data_fields(config_id), *POS_LOOP_FIELDS]
