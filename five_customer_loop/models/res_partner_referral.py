from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


# one concern of the customer per file, on purpose (see res_partner.py)
class ResPartner(models.Model):
    """The referral side of the customer (拓客): tree, rewards and guards."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loop_referral_network_count = fields.Integer(
        string="Referral Network",
        compute="_compute_loop_referral_network_count",
        help="Everyone in this customer's referral tree below them: the customers "
        "they brought, the customers those brought, and so on.",
    )
    loop_referral_reward_ids = fields.One2many(
        "loop.referral.reward",
        "referrer_id",
        string="Referral Rewards",
        readonly=True,
        groups="five_customer_loop.group_loop_user",
    )
    loop_referral_reward_count = fields.Integer(
        string="Rewards Earned",
        compute="_compute_loop_referral_reward_count",
        groups="five_customer_loop.group_loop_user",
    )

    # ------------------------------------------------------------------ computes
    def _compute_loop_referral_network_count(self):
        """Descendants in the referral tree: one recursive query for all."""
        ids = [pid for pid in self.ids if pid]
        counts = {}
        if ids:
            self.flush_model(["loop_referred_by_id"])
            counts = dict(
                self.env.execute_query(
                    SQL(
                        """WITH RECURSIVE tree(root, id) AS (
                               SELECT p.loop_referred_by_id, p.id FROM res_partner p
                                WHERE p.loop_referred_by_id = ANY(%(ids)s)
                               UNION
                               SELECT tree.root, p.id FROM res_partner p
                                 JOIN tree ON p.loop_referred_by_id = tree.id
                                WHERE p.id != tree.root
                           )
                           SELECT root, COUNT(DISTINCT id) FROM tree GROUP BY root""",
                        ids=ids,
                    )
                )
            )
        for partner in self:
            partner.loop_referral_network_count = counts.get(partner.id, 0)

    def _compute_loop_referral_reward_count(self):
        counts = dict(
            self.env["loop.referral.reward"]._read_group(
                [("referrer_id", "in", self.ids), ("state", "!=", "reversed")],
                ["referrer_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.loop_referral_reward_count = counts.get(partner, 0)

    # ------------------------------------------------------------------ onchange
    @api.onchange("loop_referred_by_id")
    def _onchange_loop_referred_by_id(self):
        if self.loop_referred_by_id and not self.loop_channel_id:
            self.loop_channel_id = self.env["loop.channel"].search(
                [("is_referral", "=", True)], limit=1
            )

    # ---------------------------------------------------------------- the guards
    def _loop_check_referral_change(self, referrer):
        """Refuse a new referrer of ``self`` (raises before anything is written)."""
        if referrer and referrer in self:
            raise ValidationError(
                self.env._(
                    "%(name)s cannot be referred by themselves.", name=referrer.name
                )
            )
        # sudo: the guard must see the rewards of every company, whatever the
        # companies of the user; it only counts them
        rewards = (
            self.env["loop.referral.reward"]
            .sudo()
            .search(
                [("referred_id", "in", self.ids), ("state", "!=", "reversed")],
                limit=1,
            )
        )
        if rewards:
            raise ValidationError(
                self.env._(
                    "A referral reward was already granted for %(name)s (referred by "
                    "%(referrer)s): the referrer cannot change any more. A loop "
                    "manager may reverse the reward first.",
                    name=rewards.referred_id.name,
                    referrer=rewards.referrer_id.name,
                )
            )
        if referrer:
            self._loop_check_referrers(referrer)

    def _loop_check_cycle(self, referrer):
        """Refuse when ``referrer`` was brought, directly or not, by one of ``self``.

        Called after the write (Odoo's ``_has_cycle`` reads the stored chain):
        the error rolls the write back. Naming who closed the circle walks up
        from the referrer, on refusal only.
        """
        if not self._has_cycle("loop_referred_by_id"):
            return
        culprit, seen = referrer, set()
        while culprit and culprit not in self and culprit.id not in seen:
            seen.add(culprit.id)
            culprit = culprit.loop_referred_by_id
        raise ValidationError(
            self.env._(
                "%(referrer)s cannot refer %(name)s: %(referrer)s was brought, "
                "directly or through other customers, by %(name)s. A referral "
                "cannot go round in a circle.",
                referrer=referrer.name,
                name=(culprit or self[:1]).name,
            )
        )

    @api.model
    def _loop_check_referrers(self, referrers):
        """Refuse referrers who are not customers of the current company.

        A customer of the company has a loop stage in it or a paid order there
        (any source). One query.
        """
        if not referrers:
            return
        company = self.env.company
        self.env["loop.customer"].flush_model(["stage_id", "visit_count"])
        known = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT p.id FROM res_partner p
                         LEFT JOIN loop_customer m
                                ON m.partner_id = p.id AND m.company_id = %(company)s
                        WHERE p.id = ANY(%(ids)s)
                          AND (m.stage_id IS NOT NULL OR m.visit_count >= 1
                               OR p.id IN (SELECT partner_id FROM (%(orders)s) o))""",
                    ids=referrers.ids,
                    company=company.id,
                    orders=self.env["loop.engine"]._paid_orders(company, referrers.ids),
                )
            )
        }
        strangers = referrers.filtered(lambda p: p.id not in known)
        if strangers:
            raise ValidationError(
                self.env._(
                    "%(name)s is not a customer of %(company)s yet (no loop stage and "
                    "no paid visit): only customers of the store can refer new "
                    "customers.",
                    name=strangers[0].name,
                    company=company.name,
                )
            )

    # ------------------------------------------------------------------- actions
    def action_loop_referral_tree(self):
        """The customer's referral tree: their referrer, them, and below."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.res_partner_action_loop_referral_tree"
        )
        action["domain"] = [("id", "=", self.id)]
        action["name"] = action["display_name"] = self.env._(
            "Referral Tree of %(name)s", name=self.display_name
        )
        return action

    def action_loop_view_referral_rewards(self):
        return self._loop_open_related(
            "five_customer_loop.loop_referral_reward_action", "referrer_id"
        )
