from odoo import api, models
from odoo.tools import SQL


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _loop_schedule(self, activity_type, items, res_model="res.partner", once=True):
        """Schedule the loop's activities in one ``create``: the one helper.

        ``activity_schedule`` of ``mail.activity.mixin`` takes one user, summary
        and deadline for all its records; the loop's differ per customer, so
        this builds the same values (``automated``, the type's note, its
        deadline unless the item has one), honours the same
        ``mail_activity_automation_skip`` context, and creates them in batch.

        ``activity_type`` is a ``mail.activity.type`` or its XML id. ``items``
        are dicts with ``res_id``, ``user_id``, ``summary`` and optionally
        ``date_deadline`` and ``note`` (else the type's); items without a
        user are skipped. With
        ``once``, a record that has an open activity of this type (or comes
        twice in ``items``) gets none. Returns ``{res_id: activity}``.
        """
        items = [item for item in items if item.get("user_id")]
        if not items or self.env.context.get("mail_activity_automation_skip"):
            return {}
        if isinstance(activity_type, str):
            activity_type = self.env.ref(activity_type, raise_if_not_found=False)
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
                    "note": item.get("note") or activity_type.default_note,
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
        self._loop_subscribe(res_model, vals_list)
        activities = Activity.with_context(loop_followers_added=True).create(vals_list)
        return {v["res_id"]: act for v, act in zip(vals_list, activities, strict=True)}

    def _action_done(self, feedback=False, attachment_ids=None):
        """A campaign's activity done: its member records the day (on time?)."""
        # only customers' activities can be a campaign's (an indexed lookup);
        # sudo: the staff member who marks it done cannot write campaign rows
        partners = self.filtered(lambda activity: activity.res_model == "res.partner")
        members = (
            self.env["loop.campaign.member"]
            .sudo()
            .search([("activity_id", "in", partners.ids)])
            if partners
            else self.env["loop.campaign.member"]
        )
        for member in members:
            member.activity_done_date = member.company_id._loop_today()
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    @api.model
    def _loop_subscribe(self, res_model, vals_list):
        """Make each activity's user a follower of its record, in two statements.

        ``mail.activity.create`` subscribes the assigned users as Odoo does
        (``message_subscribe``), but adds the followers one record at a time:
        a nightly batch that raises a thousand activities would cost thousands
        of queries. The same followers, with the same default subtypes
        (``mail.followers._add_default_followers``: internal users get the
        model's default subtypes, portal ones its external ones), are added
        here set-based, and ``create`` is told so (``loop_followers_added``:
        ``mail.thread.message_subscribe`` returns at once). Existing followers
        keep their subtypes.
        """
        users = self.env["res.users"].sudo().browse({v["user_id"] for v in vals_list})
        partner_of = {user.id: user.partner_id for user in users}
        default, _internal, external = self.env[
            "mail.message.subtype"
        ].default_subtypes(res_model)
        pairs = {(v["res_id"], partner_of[v["user_id"]]) for v in vals_list}
        self.env["mail.followers"].flush_model()
        self.env.cr.execute(
            SQL(
                """WITH v AS (
                       SELECT * FROM unnest(%(res_ids)s::int[], %(partners)s::int[],
                                            %(shares)s::bool[])
                              AS v(res_id, partner_id, share)
                   ), added AS (
                       INSERT INTO mail_followers (res_model, res_id, partner_id)
                       SELECT %(model)s, v.res_id, v.partner_id FROM v
                       ON CONFLICT DO NOTHING
                       RETURNING id, partner_id
                   )
                   INSERT INTO mail_followers_mail_message_subtype_rel
                          (mail_followers_id, mail_message_subtype_id)
                   SELECT a.id, s.id
                     FROM added a
                     JOIN (SELECT DISTINCT partner_id, share FROM v) p
                       ON p.partner_id = a.partner_id
                     JOIN (SELECT unnest(%(default)s::int[]) AS id, FALSE AS share
                           UNION ALL
                           SELECT unnest(%(external)s::int[]), TRUE) s
                       ON s.share = p.share""",
                res_ids=[res_id for res_id, _partner in pairs],
                partners=[partner.id for _res_id, partner in pairs],
                shares=[bool(partner.partner_share) for _res_id, partner in pairs],
                model=res_model,
                default=default.ids,
                external=external.ids,
            )
        )
        self.env["mail.followers"].invalidate_model()
        self.env[res_model].invalidate_model(
            ["message_follower_ids", "message_partner_ids"]
        )
