"""Prepaid cards (储值卡 / 次卡 / 疗程卡): balance, items and sessions left.

A card's figures are never written by hand: they are the sums of its ledger
(``loop.card.move``). Every API method below goes through :meth:`_post_moves`,
which locks the cards' rows (``SELECT ... FOR UPDATE``), reads the ledger,
refuses anything that would take a card below zero, then writes the moves and
touches the card rows.

Why the touch: Odoo runs transactions in REPEATABLE READ. A till whose
transaction started before another till committed a consumption would, after
waiting for the lock, still read the old ledger. Because every posting also
updates the card row, PostgreSQL refuses that stale transaction with a
serialization failure instead, and Odoo retries the request with fresh data
(``odoo.service.model.retrying``): the balance check then sees the first
consumption.
"""

import base64

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, float_is_zero, format_date

from ..lib import card_rules
from .loop_card_move import KIND_SIGNS, POSTING, STATE_WRITE

CARD_STATES = [
    ("active", "Active"),
    ("used_up", "Used Up"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("active", "used_up")
# Context key passing issue parameters from :meth:`issue_card` to ``create``.
ISSUE = "loop_card_issue"
# Where a card move may come from (the POS bridge adds its orders, see
# ``_origin_fields``).
ORIGIN_FIELDS = ("calendar_event_id", "origin")
# Context key: the day the cards are judged on and their moves dated, when it
# is not today in the store (an order a till kept while offline is judged on
# the day it was paid, see the POS bridge's ``pos.order._loop_card_day``).
CARD_DAY = "loop_card_day"
PROTECTED_FIELDS = ("partner_id", "type_id", "company_id", "issue_date")
MANAGER = "five_customer_loop.group_loop_manager"
USER = "five_customer_loop.group_loop_user"


class LoopCard(models.Model):
    _name = "loop.card"
    _description = "Prepaid Card"
    _inherit = ["mail.thread"]
    _order = "issue_date desc, id desc"
    _rec_name = "code"
    _check_company_auto = True

    code = fields.Char(
        string="Card Number",
        copy=False,
        index=True,
        tracking=True,
        help="Printed on the card as a barcode; given by the card sequence when "
        "left empty.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
    )
    type_id = fields.Many2one(
        "loop.card.type",
        string="Card Type",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    kind = fields.Selection(related="type_id.kind", store=True, string="Card Kind")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    issue_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="The day the card was sold.",
    )
    expiry_date = fields.Date(
        compute="_compute_expiry_date",
        store=True,
        readonly=False,
        tracking=True,
        help="Last day the card can be used; empty when it never expires. Only "
        "managers change it.",
    )
    state = fields.Selection(
        CARD_STATES,
        required=True,
        default="active",
        tracking=True,
        index=True,
        copy=False,
        help="Active: can be used. Used up: nothing left (a top-up makes it active "
        "again). Expired: passed its expiry date; what was left was written off. "
        "Cancelled: what was left was refunded.",
    )
    move_ids = fields.One2many(
        "loop.card.move", "card_id", string="Ledger", readonly=True
    )
    session_ids = fields.One2many(
        "loop.card.session", "card_id", string="Remaining Sessions", readonly=True
    )
    balance = fields.Monetary(
        string="Remaining Value",
        compute="_compute_ledger_figures",
        store=True,
        help="Sum of the ledger (余额): the stored value left, or for a session "
        "package the part of its price carried by the sessions left.",
    )
    sessions_left = fields.Integer(compute="_compute_ledger_figures", store=True)
    item_count = fields.Integer(
        string="Services Left",
        compute="_compute_ledger_figures",
        store=True,
        help="Services of the package with at least one session left (余项).",
    )
    loaded_amount = fields.Monetary(
        string="Value Loaded",
        compute="_compute_ledger_figures",
        store=True,
        help="Value put on the card by its issue and top-ups.",
    )
    paid_amount = fields.Monetary(
        string="Cash Received",
        compute="_compute_ledger_figures",
        store=True,
        help="What the customer paid for the card and its top-ups.",
    )
    consumed_amount = fields.Monetary(
        string="Value Consumed", compute="_compute_ledger_figures", store=True
    )
    barcode_image = fields.Binary(compute="_compute_barcode_image", string="Barcode")
    move_count = fields.Integer(compute="_compute_move_count", string="Moves")
    note = fields.Text()

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "Another card of this company already has this number.",
        ),
        (
            "balance_positive",
            "CHECK(balance >= 0)",
            "A card's balance cannot be negative.",
        ),
        (
            "sessions_positive",
            "CHECK(sessions_left >= 0)",
            "A card cannot have a negative number of sessions left.",
        ),
    ]

    # ----------------------------------------------------------------- computes
    @api.depends("type_id.validity_number", "type_id.validity_unit", "issue_date")
    def _compute_expiry_date(self):
        for card in self:
            if card.type_id and card.issue_date:
                card.expiry_date = card.type_id._expiry_date(card.issue_date)
            else:
                card.expiry_date = False

    @api.depends(
        "move_ids.amount",
        "move_ids.sessions",
        "move_ids.paid_amount",
        "move_ids.kind",
        "move_ids.product_id",
    )
    def _compute_ledger_figures(self):
        for card in self:
            moves = card.move_ids
            loaded = moves.filtered(lambda m: m.kind in ("issue", "topup"))
            per_product = {}
            for move in moves.filtered("product_id"):
                per_product[move.product_id] = (
                    per_product.get(move.product_id, 0) + move.sessions
                )
            round_ = (
                card.currency_id.round if card.currency_id else (lambda v: round(v, 2))
            )
            card.balance = round_(sum(moves.mapped("amount")))
            card.sessions_left = sum(moves.mapped("sessions"))
            card.item_count = len([left for left in per_product.values() if left > 0])
            card.loaded_amount = round_(sum(loaded.mapped("amount")))
            card.paid_amount = round_(sum(loaded.mapped("paid_amount")))
            card.consumed_amount = round_(
                -sum(moves.filtered(lambda m: m.kind == "consume").mapped("amount"))
            )

    @api.depends("code")
    def _compute_barcode_image(self):
        report = self.env["ir.actions.report"]
        for card in self:
            card.barcode_image = False
            if card.code:
                try:
                    png = report.barcode(
                        "Code128", card.code, width=600, height=120, humanreadable=1
                    )
                except (ValueError, AttributeError):
                    png = False
                card.barcode_image = png and base64.b64encode(png)

    @api.depends("move_ids")
    def _compute_move_count(self):
        for card in self:
            card.move_count = len(card.move_ids)

    @api.depends("code", "type_id.name")
    def _compute_display_name(self):
        for card in self:
            card.display_name = (
                f"{card.code} ({card.type_id.name})"
                if card.type_id
                else (card.code or "")
            )

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        """Create cards and post their issue moves.

        The issue moves credit the type's value (stored value) or its services
        (session package), unless :meth:`issue_card` passed other amounts.
        """
        if not self.env.su and not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Customer Loop users can issue cards."))
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if not vals.get("code"):
                company = (
                    self.env["res.company"].browse(vals.get("company_id"))
                    or self.env.company
                )
                vals["code"] = sequence.with_company(company).next_by_code("loop.card")
        cards = super(LoopCard, self.with_context(mail_create_nolog=True)).create(
            vals_list
        )
        cards = cards.with_env(self.env)
        issue = self.env.context.get(ISSUE) or {}
        cards._post_issue(
            issue.get("origin_vals") or {},
            amount=issue.get("amount"),
            paid=issue.get("paid"),
        )
        return cards

    def write(self, vals):
        if "state" in vals and not self.env.context.get(STATE_WRITE):
            raise UserError(
                self.env._(
                    "A card's state follows its ledger: cancel the card, or let the "
                    "expiry run."
                )
            )
        protected = [name for name in PROTECTED_FIELDS if name in vals]
        if protected and self.filtered("move_ids"):
            for card in self:
                for name in protected:
                    value = vals[name]
                    current = card[name]
                    if isinstance(current, models.BaseModel):
                        current = current.id
                    if card.move_ids and str(current or False) != str(value or False):
                        raise UserError(
                            self.env._(
                                "Card %(card)s is issued: its customer, type, "
                                "company and issue date cannot change. Cancel it "
                                "and issue a new card.",
                                card=card.code,
                            )
                        )
        if (
            "expiry_date" in vals
            and not self.env.su
            and not self.env.user.has_group(MANAGER)
        ):
            raise AccessError(
                self.env._("Only loop managers can change the expiry date of a card.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_issued(self):
        if self.filtered("move_ids"):
            raise UserError(
                self.env._(
                    "An issued card cannot be deleted: its ledger must stay. "
                    "Cancel it instead."
                )
            )

    # ------------------------------------------------------------------- helpers
    def _today(self, company=None):
        """The store's day of ``company`` (the cards' company by default), or the
        day the context judges the cards on (``CARD_DAY``)."""
        day = self.env.context.get(CARD_DAY)
        if day:
            return fields.Date.to_date(day)
        return (company or self.company_id[:1] or self.env.company)._loop_today()

    def _reopen_expired(self, reason, origin_vals=None):
        """Reverse the expiry of the cards expired since the day they are judged
        on (``CARD_DAY``) but still valid that day; return them.

        An order paid on a card's last day that reaches the server after the
        expiry job first puts back what the expiry wrote off (reversing
        entries), then takes its payment; :meth:`_expire` writes off the rest
        again. Nothing else changes: the expiry moves stay in the ledger.
        """
        day = self._today()
        cards = self.filtered(
            lambda card: card.state == "expired"
            and card.expiry_date
            and card.expiry_date >= day
        )
        if not cards:
            return cards
        moves = self.env["loop.card.move"].search(
            [
                ("card_id", "in", cards.ids),
                ("kind", "=", "expire"),
                ("reversed_move_id", "=", False),
                ("reversal_ids", "=", False),
            ]
        )
        if moves:
            moves.action_reverse(reason, origin_vals)
        else:  # expired with nothing left: only the state comes back
            cards.with_context(**{STATE_WRITE: True}).write({"state": "active"})
            cards._update_usage_state(cards._ledger_figures())
        return cards

    def _lock(self):
        """Lock the cards' rows until the end of the transaction (in id order)."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    """SELECT id FROM loop_card WHERE id = ANY(%s)
                        ORDER BY id FOR UPDATE""",
                    list(self.ids),
                )
            )

    def _touch(self):
        """Update the cards' rows, so concurrent stale transactions must retry."""
        self.env.cr.execute(
            SQL(
                """UPDATE loop_card SET write_date = %s, write_uid = %s
                    WHERE id = ANY(%s)""",
                self.env.cr.now(),
                self.env.uid,
                list(self.ids),
            )
        )
        self.invalidate_recordset(["write_date", "write_uid"])

    def _ledger_figures(self):
        """Figures of the cards read from the ledger in one query.

        Returns ``{card_id: {"balance", "loaded", "paid", "products":
        {product_id: [sessions, value]}}}``.
        """
        self.env["loop.card.move"].flush_model()
        figures = {
            card.id: {"balance": 0.0, "loaded": 0.0, "paid": 0.0, "products": {}}
            for card in self
        }
        rows = self.env.execute_query(
            SQL(
                """SELECT card_id, product_id, SUM(amount), SUM(sessions),
                          COALESCE(SUM(amount)
                                   FILTER (WHERE kind IN ('issue', 'topup')), 0),
                          COALESCE(SUM(paid_amount)
                                   FILTER (WHERE kind IN ('issue', 'topup')), 0)
                     FROM loop_card_move WHERE card_id = ANY(%s)
                    GROUP BY card_id, product_id""",
                list(self.ids),
            )
        )
        for card_id, product_id, amount, sessions, loaded, paid in rows:
            fig = figures[card_id]
            fig["balance"] += float(amount or 0.0)
            fig["loaded"] += float(loaded or 0.0)
            fig["paid"] += float(paid or 0.0)
            if product_id:
                fig["products"][product_id] = [int(sessions or 0), float(amount or 0.0)]
        return figures

    def _locked_figures(self):
        """Lock the cards, then read their ledger: figures no other till can change."""
        self._lock()
        return self._ledger_figures()

    @api.model
    def _origin_fields(self):
        """The fields of a card move that say where it comes from: a booking,
        a reference (bridges add their orders)."""
        return ORIGIN_FIELDS

    @api.model
    def _origin_values(self, origin_vals, required=True):
        """Check the origin: one of ``_origin_fields`` (records or ids)."""
        origin_vals = dict(origin_vals or {})
        unknown = set(origin_vals) - set(self._origin_fields())
        if unknown:
            raise UserError(
                self.env._(
                    "A card move's origin is an order, a booking or a "
                    "reference, not %(fields)s.",
                    fields=", ".join(sorted(unknown)),
                )
            )
        for name, value in origin_vals.items():
            if isinstance(value, models.BaseModel):
                origin_vals[name] = value.id
        origin_vals = {key: value for key, value in origin_vals.items() if value}
        if required and not origin_vals:
            raise UserError(
                self.env._(
                    "Say where the card move comes from: an order, a booking "
                    "or a reference."
                )
            )
        return origin_vals

    def _check_usable(self, today=None):
        """Refuse cards that are cancelled, expired, or past their expiry date."""
        for card in self:
            if card.state == "cancelled":
                raise UserError(
                    self.env._("Card %(card)s is cancelled.", card=card.code)
                )
            day = today or card._today()
            if card.state == "expired" or (card.expiry_date and card.expiry_date < day):
                raise UserError(
                    self.env._(
                        "Card %(card)s expired on %(date)s.",
                        card=card.code,
                        date=format_date(self.env, card.expiry_date),
                    )
                )

    def _post_moves(
        self, vals_list, figures=None, states=OPEN_STATES, usable=True, refresh=True
    ):
        """Check and create ledger moves; the single gate of every card change.

        ``vals_list`` are move values (``card_id``, ``kind``, ``amount``,
        ``sessions``, ``product_id``, origin...). The cards are locked and the
        moves refused with a ``UserError`` (nothing written) when a card is in
        another state than ``states``, past its expiry date (``usable``), when
        a sign does not fit the kind, a move has no origin, a service is not on
        the card, or a balance or a service's sessions would go below zero.
        Returns the moves; the cards' state and their customers' figures follow.
        """
        cards = self.browse({vals["card_id"] for vals in vals_list}).exists()
        if figures is None:
            figures = cards._locked_figures()
        for card in cards:
            if card.state not in states:
                card._check_usable()
                raise UserError(
                    self.env._(
                        "Card %(card)s is %(state)s: it cannot take this move.",
                        card=card.code,
                        state=dict(CARD_STATES)[card.state],
                    )
                )
        if usable:
            cards._check_usable()
        projected = {
            cid: {
                "balance": fig["balance"],
                "products": {pid: list(pair) for pid, pair in fig["products"].items()},
            }
            for cid, fig in figures.items()
        }
        prepared = []
        for vals in vals_list:
            card = cards.browse(vals["card_id"])
            vals = card._prepare_move(vals)
            fig = projected[card.id]
            fig["balance"] += vals.get("amount", 0.0)
            if vals.get("product_id"):
                pair = fig["products"].setdefault(vals["product_id"], [0, 0.0])
                pair[0] += vals.get("sessions", 0)
                pair[1] += vals.get("amount", 0.0)
            prepared.append(vals)
        for card in cards:
            card._check_projection(figures[card.id], projected[card.id])
        moves = (
            self.env["loop.card.move"].with_context(**{POSTING: True}).create(prepared)
        ).with_context(**{POSTING: False})
        cards._touch()
        cards._update_usage_state(projected)
        if refresh:
            self.env["loop.engine"].refresh_partners(cards.partner_id)
        return moves

    def _prepare_move(self, vals):
        """Complete and validate the values of one move of ``self``."""
        self.ensure_one()
        vals = dict(vals)
        kind = vals["kind"]
        rounding = self.currency_id.rounding
        amount = self.currency_id.round(vals.get("amount") or 0.0)
        paid = self.currency_id.round(vals.get("paid_amount") or 0.0)
        sessions = int(vals.get("sessions") or 0)
        product_id = vals.get("product_id") or False
        if isinstance(product_id, models.BaseModel):
            product_id = product_id.id
        if float_is_zero(amount, precision_rounding=rounding) and not sessions:
            raise UserError(
                self.env._("A card move must change the value or the sessions.")
            )
        sign = KIND_SIGNS[kind] * (-1 if vals.get("reversed_move_id") else 1)
        if sign and (
            float_compare(amount * sign, 0.0, precision_rounding=rounding) < 0
            or sessions * sign < 0
        ):
            raise UserError(
                self.env._(
                    "This amount or number of sessions has the wrong sign for a "
                    "%(kind)s: amounts and sessions must be positive.",
                    kind=dict(
                        self.env["loop.card.move"]
                        ._fields["kind"]
                        ._description_selection(self.env)
                    )[kind],
                )
            )
        if self.kind == "value" and (sessions or product_id):
            raise UserError(
                self.env._(
                    "Card %(card)s holds stored value, not sessions.", card=self.code
                )
            )
        if self.kind == "session" and not product_id:
            raise UserError(
                self.env._(
                    "Card %(card)s is a session package: its moves name the service.",
                    card=self.code,
                )
            )
        if kind == "adjust" and not (vals.get("reason") or "").strip():
            raise UserError(self.env._("Give a reason for adjusting the card."))
        if not any(
            vals.get(name)
            for name in self._origin_fields() + ("reversed_move_id", "reason")
        ):
            raise UserError(
                self.env._(
                    "Say where the card move comes from: an order, a booking "
                    "or a reference."
                )
            )
        vals.update(
            amount=amount,
            paid_amount=paid,
            sessions=sessions,
            product_id=product_id,
            partner_id=self.partner_id.id,
            type_id=self.type_id.id,
            company_id=self.company_id.id,
            date=vals.get("date") or self._today(),
        )
        return vals

    def _check_projection(self, before, after):
        """Refuse a posting that takes the card or one of its services below zero."""
        self.ensure_one()
        rounding = self.currency_id.rounding
        products = self.env["product.product"]
        for product_id, (sessions, value) in after["products"].items():
            if product_id not in before["products"] and sessions < 0:
                raise UserError(
                    self.env._(
                        "%(service)s is not part of the package on card %(card)s.",
                        service=products.browse(product_id).display_name,
                        card=self.code,
                    )
                )
            if sessions < 0:
                left = before["products"][product_id][0]
                raise UserError(
                    self.env._(
                        "Card %(card)s has %(left)s session(s) of %(service)s left: "
                        "not enough for %(wanted)s.",
                        card=self.code,
                        left=left,
                        service=products.browse(product_id).display_name,
                        wanted=left - sessions,
                    )
                )
            if float_compare(value, 0.0, precision_rounding=rounding) < 0:
                raise UserError(
                    self.env._(
                        "This would leave a negative value of %(service)s on "
                        "card %(card)s.",
                        service=products.browse(product_id).display_name,
                        card=self.code,
                    )
                )
        if float_compare(after["balance"], 0.0, precision_rounding=rounding) < 0:
            raise UserError(
                self.env._(
                    "Card %(card)s has %(balance)s left: not enough for %(wanted)s.",
                    card=self.code,
                    balance=self._format_amount(before["balance"]),
                    wanted=self._format_amount(before["balance"] - after["balance"]),
                )
            )

    def _format_amount(self, amount):
        self.ensure_one()
        currency = self.currency_id
        return f"{amount:,.{currency.decimal_places}f} {currency.symbol or ''}".strip()

    def _update_usage_state(self, figures):
        """Active when value or sessions are left, used up otherwise."""
        to_state = {"active": self.browse(), "used_up": self.browse()}
        for card in self.filtered(lambda c: c.state in OPEN_STATES):
            fig = figures[card.id]
            left = not float_is_zero(
                fig["balance"], precision_rounding=card.currency_id.rounding
            ) or any(sessions > 0 for sessions, _value in fig["products"].values())
            state = "active" if left else "used_up"
            if card.state != state:
                to_state[state] |= card
        for state, cards in to_state.items():
            if cards:
                cards.with_context(**{STATE_WRITE: True}).write({"state": state})

    def _post_issue(self, origin_vals, amount=None, paid=None):
        """Post the issue moves of new cards (see :meth:`issue_card`)."""
        origin_vals = self._origin_values(origin_vals, required=False)
        vals_list = []
        for card in self:
            origin = origin_vals or {"origin": self.env._("Issued in the back office")}
            card_type = card.type_id
            if card_type.kind == "value":
                value = (
                    card_type.amount or card_type.price if amount is None else amount
                )
                cash = (
                    paid
                    if paid is not None
                    else (card_type.price if amount is None else value)
                )
                if value is None or value <= 0:
                    raise UserError(
                        self.env._(
                            "Enter the value to put on card %(card)s: its type "
                            "%(type)s has none.",
                            card=card.code,
                            type=card_type.name,
                        )
                    )
                if cash < 0:
                    raise UserError(
                        self.env._("The price paid for a card cannot be negative.")
                    )
                vals_list.append(
                    {
                        "card_id": card.id,
                        "kind": "issue",
                        "amount": value,
                        "paid_amount": cash,
                        **origin,
                    }
                )
            else:
                price = card_type.price if paid is None else paid
                if price < 0:
                    raise UserError(
                        self.env._("The price paid for a card cannot be negative.")
                    )
                for line, share in card_type._session_allocation(price):
                    vals_list.append(
                        {
                            "card_id": card.id,
                            "kind": "issue",
                            "amount": share,
                            "paid_amount": share,
                            "sessions": line.sessions,
                            "product_id": line.product_id.id,
                            **origin,
                        }
                    )
        if vals_list:
            self._post_moves(vals_list, usable=False)

    # ---------------------------------------------------------------- public API
    @api.model
    def issue_card(
        self, partner, card_type, origin_vals=None, amount=None, paid=None, **vals
    ):
        """Issue a new card of ``card_type`` to ``partner`` and return it.

        Public API (the POS sells cards with it). ``origin_vals`` links the
        issue move (one of ``_origin_fields``: an order, a booking, a reference).
        ``amount`` is the value credited on a stored-value card and ``paid`` the
        cash received; both default to the type's value and price. For a session
        package ``paid`` overrides the price split over its services. Other
        ``vals`` go to the card (``code``, ``issue_date``, ``company_id``...).
        """
        return self.issue_cards(
            [{"partner_id": partner.id, "type_id": card_type.id, **vals}],
            origin_vals,
            amount=amount,
            paid=paid,
        )

    @api.model
    def issue_cards(self, vals_list, origin_vals=None, amount=None, paid=None):
        """Issue the cards of ``vals_list`` in one ``create`` (see
        :meth:`issue_card`; ``amount`` and ``paid`` apply to each card)."""
        return (
            self.with_context(
                **{
                    ISSUE: {
                        "origin_vals": origin_vals or {},
                        "amount": amount,
                        "paid": paid,
                    }
                }
            )
            .create(vals_list)
            .with_context(**{ISSUE: False})
        )

    def consume_amount(self, amount, origin_vals):
        """Pay ``amount`` with the stored value of this card; return the move.

        Public API (POS payments). ``amount`` must be positive; ``origin_vals``
        (one of ``_origin_fields``) is mandatory.
        The card row is locked first, so two tills never overdraw a card.
        Raises ``UserError`` (nothing written) for a session package, an
        expired or cancelled card, or more than the balance.
        """
        self.ensure_one()
        self._check_api_user()
        if amount is None or amount <= 0:
            raise UserError(
                self.env._("The amount to take from a card must be positive.")
            )
        if self.kind != "value":
            raise UserError(
                self.env._(
                    "Card %(card)s is a session package: it pays with sessions, "
                    "not money.",
                    card=self.code,
                )
            )
        origin_vals = self._origin_values(origin_vals)
        return self._post_moves(
            [{"card_id": self.id, "kind": "consume", "amount": -amount, **origin_vals}]
        )

    def consume_session(self, product, origin_vals, sessions=1):
        """Use ``sessions`` sessions of service ``product``; return the move.

        Public API (POS, care records, bookings). The move also releases the
        value of those sessions (the average value left on the service, the
        last session taking the remainder). Raises ``UserError`` (nothing
        written) for a stored-value card, a service not in the package, an
        expired or cancelled card, or more sessions than left.
        """
        self.ensure_one()
        self._check_api_user()
        if not sessions or sessions <= 0:
            raise UserError(
                self.env._("The number of sessions to use must be positive.")
            )
        if self.kind != "session":
            raise UserError(
                self.env._(
                    "Card %(card)s holds stored value: it has no sessions to use.",
                    card=self.code,
                )
            )
        origin_vals = self._origin_values(origin_vals)
        figures = self._locked_figures()
        left, value = figures[self.id]["products"].get(product.id, [0, 0.0])
        if product.id not in figures[self.id]["products"]:
            raise UserError(
                self.env._(
                    "%(service)s is not part of the package on card %(card)s.",
                    service=product.display_name,
                    card=self.code,
                )
            )
        release = (
            card_rules.session_value(value, left, min(sessions, left))
            if left > 0
            else 0.0
        )
        return self._post_moves(
            [
                {
                    "card_id": self.id,
                    "kind": "consume",
                    "sessions": -sessions,
                    "product_id": product.id,
                    "amount": -release,
                    **origin_vals,
                }
            ],
            figures=figures,
        )

    def top_up(self, amount, paid, origin_vals):
        """Credit ``amount`` of value on this stored-value card for ``paid`` cash.

        Public API (POS). ``paid`` below ``amount`` is a bonus; ``None`` means
        ``amount``. A used-up card becomes active again. Returns the move.
        """
        self.ensure_one()
        self._check_api_user()
        if amount is None or amount <= 0:
            raise UserError(self.env._("The amount to put on a card must be positive."))
        paid = amount if paid is None else paid
        if paid < 0:
            raise UserError(
                self.env._("The cash received for a top-up cannot be negative.")
            )
        if self.kind != "value":
            raise UserError(
                self.env._(
                    "Card %(card)s is a session package: sell a new package instead of "
                    "topping it up.",
                    card=self.code,
                )
            )
        origin_vals = self._origin_values(origin_vals)
        return self._post_moves(
            [
                {
                    "card_id": self.id,
                    "kind": "topup",
                    "amount": amount,
                    "paid_amount": paid,
                    **origin_vals,
                }
            ]
        )

    @api.model
    def _pick_session_card(self, partner, product):
        """The card of ``partner`` to take a session of ``product`` from, or no card.

        Public API (POS, bookings, care records): among the partner's active,
        unexpired cards of the current company with a session of that service
        left, the one expiring first (cards that never expire last, then the
        oldest). One query.
        """
        self.env["loop.card.move"].flush_model()
        self.flush_model()
        today = self._today(self.env.company)
        rows = self.env.execute_query(
            SQL(
                """SELECT c.id FROM loop_card c
                     JOIN loop_card_move m
                       ON m.card_id = c.id AND m.product_id = %(product)s
                    WHERE c.partner_id = %(partner)s AND c.company_id = %(company)s
                      AND c.state = 'active'
                      AND (c.expiry_date IS NULL OR c.expiry_date >= %(today)s)
                    GROUP BY c.id, c.expiry_date
                   HAVING SUM(m.sessions) > 0
                    ORDER BY c.expiry_date ASC NULLS LAST, c.id ASC
                    LIMIT 1""",
                product=product.id,
                partner=partner.id,
                company=self.env.company.id,
                today=today,
            )
        )
        return self.browse(rows[0][0]) if rows else self.browse()

    def action_cancel(self, reason=None):
        """Cancel the cards and refund what is left with refund moves.

        Public API (managers). A stored-value card refunds its balance; the cash
        paid back leaves the bonus out (paid 10,000 for 11,000: 5,500 left pays
        back 5,000). A session package refunds each service's sessions and
        their value. Returns the refund moves.
        """
        self._check_api_user(manager=True)
        reason = (reason or "").strip() or self.env._("Card cancelled")
        figures = self._locked_figures()
        for card in self:
            if card.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "Card %(card)s is %(state)s already.",
                        card=card.code,
                        state=dict(CARD_STATES)[card.state],
                    )
                )
        vals_list = self._closing_moves(figures, "refund", reason)
        moves = self.env["loop.card.move"]
        if vals_list:
            moves = self._post_moves(
                vals_list, figures=figures, usable=False, refresh=False
            )
        self.with_context(**{STATE_WRITE: True}).write({"state": "cancelled"})
        for card in self:
            card.message_post(
                body=self.env._("Card cancelled: %(reason)s", reason=reason)
            )
        self.env["loop.engine"].refresh_partners(self.partner_id)
        return moves

    def _action_adjust(
        self, amount=0.0, reason=None, sessions=0, product=None, origin_vals=None
    ):
        """Manager's correction: add (or remove, negative) value or sessions.

        ``reason`` is mandatory. Returns the adjustment move.
        """
        self.ensure_one()
        self._check_api_user(manager=True)
        origin_vals = self._origin_values(origin_vals or {}, required=False)
        return self._post_moves(
            [
                {
                    "card_id": self.id,
                    "kind": "adjust",
                    "amount": amount or 0.0,
                    "sessions": sessions or 0,
                    "product_id": product.id if product else False,
                    "reason": (reason or "").strip(),
                    **origin_vals,
                }
            ]
        )

    def _closing_moves(self, figures, kind, reference):
        """Moves taking everything left off the cards (refund or expiry)."""
        vals_list = []
        for card in self:
            fig = figures[card.id]
            if card.kind == "value":
                if not float_is_zero(
                    fig["balance"], precision_rounding=card.currency_id.rounding
                ):
                    cash = (
                        -card_rules.refund_cash(
                            fig["balance"], fig["paid"], fig["loaded"]
                        )
                        if kind == "refund"
                        else 0.0
                    )
                    vals_list.append(
                        {
                            "card_id": card.id,
                            "kind": kind,
                            "amount": -fig["balance"],
                            "paid_amount": cash,
                            "origin": reference,
                        }
                    )
                continue
            for product_id, (sessions, value) in sorted(fig["products"].items()):
                if sessions <= 0 and float_is_zero(
                    value, precision_rounding=card.currency_id.rounding
                ):
                    continue
                vals_list.append(
                    {
                        "card_id": card.id,
                        "kind": kind,
                        "amount": -value,
                        "paid_amount": -value if kind == "refund" else 0.0,
                        "sessions": -max(sessions, 0),
                        "product_id": product_id,
                        "origin": reference,
                    }
                )
        return vals_list

    def _check_api_user(self, manager=False):
        if self.env.su:
            return
        if manager and not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only loop managers can cancel or adjust prepaid cards.")
            )
        if not self.env.user.has_group(USER):
            raise AccessError(
                self.env._("Only Customer Loop users can use prepaid cards.")
            )

    # ------------------------------------------------------------------ expiry
    def _expire(self):
        """Expire the cards: write off what is left (breakage) and mark them expired."""
        figures = self._locked_figures()
        cards = self.filtered(lambda c: c.state in OPEN_STATES)
        vals_list = cards._closing_moves(
            figures,
            "expire",
            self.env._("Expired"),
        )
        if vals_list:
            cards._post_moves(vals_list, figures=figures, usable=False, refresh=False)
        cards.with_context(**{STATE_WRITE: True}).write({"state": "expired"})
        self.env["loop.engine"].refresh_partners(cards.partner_id)
        return cards

    @api.model
    def _cron_expire(self, limit=500):
        """Daily: expire the cards whose last usable day has passed.

        A card valid until D is still usable on D and expires on D + 1 (in the
        company's time zone). Works by batches of ``limit`` cards and reports
        its progress to the cron runner.
        """
        done = remaining = 0
        for company in (
            self.env["res.company"].sudo().search([])
        ):  # cards of every company
            today = self._today(company)
            domain = [
                ("company_id", "=", company.id),
                ("state", "in", OPEN_STATES),
                ("expiry_date", "<", today),
            ]
            cards = self.sudo().search(domain, limit=limit, order="id")  # system task
            cards._expire()
            done += len(cards)
            remaining += self.sudo().search_count(domain)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    # ----------------------------------------------------------------- UI actions
    def _open_wizard(self, operation):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_wizard_action"
        )
        action["context"] = {"default_card_id": self.id, "default_operation": operation}
        return action

    def action_open_top_up(self):
        return self._open_wizard("topup")

    def action_open_consume(self):
        return self._open_wizard("consume")

    def action_open_adjust(self):
        return self._open_wizard("adjust")

    def action_open_cancel(self):
        return self._open_wizard("cancel")

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_move_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {}
        return action
