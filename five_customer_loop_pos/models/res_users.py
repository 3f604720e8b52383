from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _load_pos_data(self, data):
        """The till also loads the store's staff: a line names who served it.

        The core loads the cashier alone and takes the first user loaded as the
        cashier: the staff members come after it, with the same fields.
        """
        result = super()._load_pos_data(data)
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        fields_list = [
            name
            for name in self._load_pos_data_fields(config.id)
            if name != "groups_id"
        ]
        staff = self.search_read(
            [
                ("id", "!=", self.env.uid),
                ("share", "=", False),
                ("company_ids", "in", config.company_id.id),
                (
                    "groups_id",
                    "in",
                    self.env.ref("five_customer_loop.group_loop_user").id,
                ),
            ],
            fields_list,
            load=False,
        )
        result["data"] = [*result["data"], *staff]
        return result
