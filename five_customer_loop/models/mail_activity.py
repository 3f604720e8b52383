from odoo import api, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _loop_schedule(self, type_xmlid, items, res_model="res.partner", once=True):
        """Schedule the loop's activities in one ``create``: the one helper.

        ``activity_schedule`` of ``mail.activity.mixin`` takes one user, summary
        and deadline for all its records; the loop's differ per customer, so
        this builds the same values (``automated``, the type's note, its
        deadline unless the item has one), honours the same
        ``mail_activity_automation_skip`` context, and creates them in batch.

        ``items`` are dicts with ``res_id``, ``user_id``, ``summary`` and
        optionally ``date_deadline``; items without a user are skipped. With
        ``once``, a record that has an open activity of this type (or comes
        twice in ``items``) gets none. Returns ``{res_id: activity}``.
        """
        items = [item for item in items if item.get("user_id")]
        if not items or self.env.context.get("mail_activity_automation_skip"):
            return {}
        activity_type = self.env.ref(type_xmlid, raise_if_not_found=False)
        if not activity_type:
            return {}
        # sudo: a system task for every staff member, who may not own the
        # customer nor see each other's activities; values come from the code.
        Activity = self.sudo().with_context(mail_activity_quick_update=True)
        taken = set()
        if once:
            taken = set(
                Activity.search(
                    [
                        ("res_model", "=", res_model),
                        ("res_id", "in", [item["res_id"] for item in items]),
                        ("activity_type_id", "=", activity_type.id),
                    ]
                ).mapped("res_id")
            )
        model_id = self.env["ir.model"]._get_id(res_model)
        deadline = activity_type._get_date_deadline()
        vals_list = []
        for item in items:
            if item["res_id"] in taken:
                continue
            if once:
                taken.add(item["res_id"])
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": item["res_id"],
                    "activity_type_id": activity_type.id,
                    "user_id": item["user_id"],
                    "summary": item.get("summary") or activity_type.summary,
                    "note": activity_type.default_note,
                    "date_deadline": item.get("date_deadline") or deadline,
                    "automated": True,
                }
            )
        if not vals_list:
            return {}
        # Each activity's name is its record's display name, read one record
        # at a time by mail.activity: read them all in one go.
        Activity.env[res_model].browse([v["res_id"] for v in vals_list]).mapped(
            "display_name"
        )
        activities = Activity.create(vals_list)
        return {v["res_id"]: act for v, act in zip(vals_list, activities, strict=True)}
