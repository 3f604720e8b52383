from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    loop_book_online = fields.Boolean(
        string="Bookable Online",
        help="Customers may book this staff member on the website, within her "
        "working hours.",
    )
    loop_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        compute="_compute_loop_calendar_id",
        inverse="_inverse_loop_calendar_id",
        help="When she can be booked online (time off included); the store's "
        "working hours when empty.",
    )

    @api.depends("resource_ids.calendar_id")
    def _compute_loop_calendar_id(self):
        for user in self:
            user.loop_calendar_id = user.resource_ids[:1].calendar_id

    def _inverse_loop_calendar_id(self):
        for user in self:
            user._loop_resource().calendar_id = user.loop_calendar_id

    def _loop_resource(self):
        """Her ``resource.resource`` (created the first time it is needed): the
        holder of her working hours and time off."""
        self.ensure_one()
        # sudo: a resource is technical data of the user, made for her hours
        resource = self.sudo().resource_ids[:1]
        if not resource:
            resource = (
                self.env["resource.resource"]
                .sudo()
                .create(
                    {
                        "name": self.name,
                        "user_id": self.id,
                        "company_id": self.company_id.id,
                        "calendar_id": self.company_id.resource_calendar_id.id,
                        "tz": self.tz or self.company_id.partner_id.tz or "UTC",
                    }
                )
            )
        return resource
