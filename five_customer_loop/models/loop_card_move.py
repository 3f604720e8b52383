"""The card ledger: every change of a card's value or sessions is one move.

Moves are only ever created, by the card's API (``loop.card``: issue,
``top_up``, ``consume_amount``, ``consume_session``, ``action_cancel``,
``_action_adjust``, the expiry cron) or by :meth:`LoopCardMove.action_reverse`.
They are never edited nor deleted: a correction is a reversing move.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MOVE_KINDS = [
    ("issue", "Issue"),
    ("topup", "Top-up"),
    ("consume", "Consumption"),
    ("refund", "Refund"),
    ("expire", "Expiry"),
    ("adjust", "Adjustment"),
]

# Sign of the amount and sessions of each kind (reversals have the opposite
# sign): 1 adds to the card, -1 takes from it, 0 either way.
KIND_SIGNS = {
    "issue": 1,
    "topup": 1,
    "consume": -1,
    "refund": -1,
    "expire": -1,
    "adjust": 0,
}

# Kinds store staff may reverse (a till refunding a sale or a consumption);
# the others need a loop manager.
STAFF_REVERSIBLE = ("issue", "topup", "consume")

# Context key set by the card's API only: moves are not created by hand.
POSTING = "loop_card_posting"
# Context key allowing the card's own methods to change its state.
STATE_WRITE = "loop_card_state_write"
ALL_STATES = ("active", "used_up", "expired", "cancelled")


class LoopCardMove(models.Model):
    _name = "loop.card.move"
    _description = "Card Ledger Move"
    _order = "date desc, id desc"
    _check_company_auto = True

    card_id = fields.Many2one(
        "loop.card",
        required=True,
        ondelete="restrict",
        index=True,
        readonly=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    type_id = fields.Many2one(
        "loop.card.type", string="Card Type", readonly=True, index=True
    )
    card_kind = fields.Selection(
        related="type_id.kind", string="Card Kind", store=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="The store's local day of the move.",
    )
    kind = fields.Selection(MOVE_KINDS, required=True, readonly=True, index=True)
    amount = fields.Monetary(
        readonly=True,
        help="Change of the card's value (signed): what the store owes the customer. "
        "For a session package, the part of the price carried by the sessions moved.",
    )
    paid_amount = fields.Monetary(
        string="Cash",
        readonly=True,
        help="Money received (issue, top-up) or paid back (refund, negative). "
        "Below the amount on a card sold with a bonus.",
    )
    sessions = fields.Integer(
        readonly=True, help="Change of the sessions left (signed)."
    )
    product_id = fields.Many2one(
        "product.product", string="Service", readonly=True, index="btree_not_null"
    )
    calendar_event_id = fields.Many2one(
        "calendar.event",
        string="Booking",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    origin = fields.Char(
        readonly=True, help="Free reference of where the move comes from."
    )
    reason = fields.Text(
        readonly=True, help="Why a manager adjusted or reversed the card."
    )
    reversed_move_id = fields.Many2one(
        "loop.card.move",
        string="Reverses",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    reversal_ids = fields.One2many(
        "loop.card.move", "reversed_move_id", string="Reversed By"
    )
    is_reversed = fields.Boolean(compute="_compute_is_reversed")
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        readonly=True,
        default=lambda self: self.env.user,
    )

    @api.depends("reversal_ids")
    def _compute_is_reversed(self):
        for move in self:
            move.is_reversed = bool(move.reversal_ids)

    @api.depends("kind", "card_id.code", "amount", "sessions")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for move in self:
            move.display_name = f"{move.card_id.code} · {kinds.get(move.kind, '')}"

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(POSTING):
            raise UserError(
                self.env._(
                    "Card moves are written by the card's actions (issue, top up, "
                    "consume, cancel, adjust, reverse), not by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        # append-only ledger: a move is never written, not even by the framework
        raise UserError(
            self.env._(
                "Card moves cannot be changed. To correct a move, reverse it "
                "and record the right one."
            )
        )

    def unlink(self):  # pylint: disable=method-required-super
        # append-only ledger: a move is never deleted
        raise UserError(
            self.env._(
                "Card moves cannot be deleted: they are the card's ledger. To "
                "correct a move, reverse it."
            )
        )

    # -------------------------------------------------------------------- actions
    def action_reverse(self, reason, origin_vals=None):
        """Post the reversing moves of ``self`` and return them.

        Public API (POS refunds, cancelled care records, managers' corrections).
        Each reversal has the kind of the move it reverses, the opposite amount,
        cash and sessions, ``reversed_move_id`` set and ``reason`` (mandatory).
        ``origin_vals`` optionally links it to where the correction comes from
        (one of ``loop.card._origin_fields``).

        A move is reversed at most once and a reversal is not reversed again.
        Staff may reverse issues, top-ups and consumptions; other kinds need a
        loop manager. Reversing an expiry (after extending the expiry date) or a
        refund brings the card back to active. Raises ``UserError`` and writes
        nothing when the card would go below zero.
        """
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason for reversing the card move."))
        if not self.env.su and not self.env.user.has_group(
            "five_customer_loop.group_loop_user"
        ):
            raise AccessError(
                self.env._("Only Customer Loop users can reverse card moves.")
            )
        is_manager = self.env.su or self.env.user.has_group(
            "five_customer_loop.group_loop_manager"
        )
        for move in self:
            if move.reversed_move_id:
                raise UserError(
                    self.env._(
                        "%(move)s is itself a reversal: record a new move instead.",
                        move=move.display_name,
                    )
                )
            if move.reversal_ids:
                raise UserError(
                    self.env._("%(move)s is already reversed.", move=move.display_name)
                )
            if move.kind not in STAFF_REVERSIBLE and not is_manager:
                raise AccessError(
                    self.env._(
                        "Only loop managers can reverse an expiry, a refund or an "
                        "adjustment."
                    )
                )
        origin_vals = self.env["loop.card"]._origin_values(
            origin_vals or {}, required=False
        )
        vals_list = [
            {
                "card_id": move.card_id.id,
                "kind": move.kind,
                "amount": -move.amount,
                "paid_amount": -move.paid_amount,
                "sessions": -move.sessions,
                "product_id": move.product_id.id,
                "reversed_move_id": move.id,
                **move._reversal_values(),
                "reason": reason,
                "origin": self.env._("Reversal of %(move)s", move=move.display_name),
                **origin_vals,
            }
            for move in self
        ]
        cards = self.card_id
        figures = cards._locked_figures()
        for move in self:
            move._check_reversible()
        moves = cards._post_moves(
            vals_list, figures=figures, states=ALL_STATES, usable=False, refresh=False
        )
        reopened = cards.filtered(lambda c: c.state in ("expired", "cancelled"))
        if reopened:
            reopened.with_context(**{STATE_WRITE: True}).write({"state": "active"})
            reopened._update_usage_state(reopened._ledger_figures())
        self.env["loop.engine"].refresh_partners(cards.partner_id)
        return moves

    def _reversal_values(self):
        """Values a reversal of ``self`` keeps from it (bridges add theirs, as
        the shop of a POS move)."""
        self.ensure_one()
        return {}

    def _check_reversible(self):
        """The card of the move must be able to take its reversal."""
        self.ensure_one()
        card = self.card_id
        past = card.expiry_date and card.expiry_date < card._today()
        if self.kind in ("expire", "refund"):
            if card.state == ("cancelled" if self.kind == "expire" else "expired"):
                card._check_usable()
            if past:
                raise UserError(
                    self.env._(
                        "Card %(card)s is past its expiry date: extend it before "
                        "reversing this move.",
                        card=card.code,
                    )
                )
        else:
            card._check_usable()

    def action_open_reverse(self):
        """Open the reversal wizard of this move (asks for the reason)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_wizard_action"
        )
        action["context"] = {
            "default_card_id": self.card_id.id,
            "default_move_id": self.id,
            "default_operation": "reverse",
        }
        return action
