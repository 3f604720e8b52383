"""POS orders in the loop: a paid order refreshes its customer's figures at once
(``write``) and posts its prepaid card moves in the transaction that saves it:

- a line selling a card type's product issues a card (or tops up the
  customer's card, as the type says) for each unit;
- a line taken from a session package (``loop_card_id``) uses one session of
  that card for each unit;
- payments with a "Prepaid Card" method (``loop_is_card``) take the stored
  value of the customer's cards, the card expiring first first;
- a refund reverses the moves of the order it refunds.

When a card cannot take its moves (not enough value or sessions, expired,
another customer's card...) the order is refused with :class:`LoopCardRefusal`
and nothing is written: the till keeps the order and shows the reason. The
till's sync claims each order once (``loop.pos.sync``) and prints the cards the
order used or sold on the receipt.
"""

import logging
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.five_customer_loop.models.loop_card import CARD_DAY

from ..lib import pos_rules
from ..lib.pos_rules import PAID_STATES

# Context key: the till's sync posts the card moves itself, after the core's
# ``_process_saved_order`` (which logs and swallows errors of
# ``action_pos_order_paid``).
DEFER = "loop_card_defer"


class LoopCardRefusal(UserError):
    """An order refused because of its prepaid cards; the till keeps it.

    ``context`` carries the order's uuid to the till (Odoo serialises it with
    the error), so the POS marks that order and syncs the others. Logged at
    INFO: a refusal is the shop's answer, not a server fault.
    """

    loglevel = logging.INFO

    def __init__(self, message, order_uuid=None):
        super().__init__(message)
        self.context = {"loop_card_refused_order": order_uuid or False}


class PosOrder(models.Model):
    _inherit = "pos.order"

    def init(self):
        res = super().init()
        # The loop engine reads the paid orders of a batch of customers: with every
        # column it needs in the index, PostgreSQL answers with an index-only scan
        # instead of reading the whole order table for every batch.
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS pos_order_loop_partner_index
                       ON pos_order (partner_id, company_id, state)
                       INCLUDE (id, date_order, amount_total, currency_rate)
                    WHERE partner_id IS NOT NULL"""
            )
        )
        return res

    # No One2many to the moves: the POS loads every field of pos.order and
    # would send it back with the order.
    loop_card_move_count = fields.Integer(
        string="Card Move Count",
        compute="_compute_loop_card_move_count",
        groups="five_customer_loop.group_loop_user",
    )

    def _compute_loop_card_move_count(self):
        counts = dict(
            self.env["loop.card.move"]._read_group(
                [("pos_order_id", "in", self.ids)], ["pos_order_id"], ["__count"]
            )
        )
        for order in self:
            order.loop_card_move_count = counts.get(order, 0)

    loop_receipt_cards = fields.Json(
        string="Cards on the Receipt",
        compute="_compute_loop_receipt_cards",
        help="The prepaid cards the order paid with, served from or sold, with "
        "their balance and sessions left right after it: the receipt prints them.",
    )

    def _compute_loop_receipt_cards(self):
        """Per order: ``[{"code", "name", "kind", "balance", "expiry_date",
        "sessions": [{"service", "left"}]}]``, read from the ledger up to the
        order's own last move (a reprint shows the figures of that day)."""
        orders = self.filtered("id")
        rows = []
        if orders:
            self.env["loop.card.move"].flush_model()
            rows = self.env.execute_query(
                SQL(
                    """WITH mine AS (
                           SELECT pos_order_id AS order_id, card_id, MAX(id) AS last
                             FROM loop_card_move WHERE pos_order_id = ANY(%(ids)s)
                            GROUP BY pos_order_id, card_id)
                       SELECT mine.order_id, mine.card_id, m.product_id,
                              SUM(m.amount), SUM(m.sessions)
                         FROM mine JOIN loop_card_move m
                           ON m.card_id = mine.card_id AND m.id <= mine.last
                        GROUP BY mine.order_id, mine.card_id, m.product_id
                        ORDER BY mine.order_id, mine.card_id, m.product_id""",
                    ids=orders.ids,
                )
            )
        # sudo: the cards of the order's own customer, on the order's receipt
        cards = self.env["loop.card"].sudo().browse({row[1] for row in rows})
        products = (
            self.env["product.product"]
            .sudo()
            .browse({row[2] for row in rows if row[2]})
        )
        receipts = {}
        for order_id, card_id, product_id, amount, sessions in rows:
            card = cards.browse(card_id)
            entry = receipts.setdefault(order_id, {}).setdefault(
                card_id,
                {
                    "code": card.code,
                    "name": card.type_id.name,
                    "kind": card.kind,
                    "balance": 0.0,
                    "expiry_date": fields.Date.to_string(card.expiry_date),
                    "sessions": [],
                },
            )
            entry["balance"] += float(amount or 0.0)
            if product_id and card.kind == "session":
                entry["sessions"].append(
                    {
                        "service": products.browse(product_id).display_name,
                        "left": int(sessions or 0),
                    }
                )
        for order in self:
            entries = list(receipts.get(order.id, {}).values())
            for entry in entries:
                entry["balance"] = order.currency_id.round(entry["balance"])
            order.loop_receipt_cards = entries or False

    # ---------------------------------------------------------------------- CRUD
    def write(self, vals):
        before = self.partner_id if "partner_id" in vals else self.env["res.partner"]
        res = super().write(vals)
        # Bulk loads (demo data, imports) skip the per-order refresh and run one
        # recompute at the end.
        if self.env.context.get("loop_no_refresh"):
            return res
        if vals.get("state") in PAID_STATES or "partner_id" in vals:
            paid = self.filtered(lambda o: o.state in PAID_STATES)
            if paid or before:
                self.env["loop.engine"].refresh_partners(paid.partner_id | before)
        return res

    # -------------------------------------------------------------- paid flow
    def action_pos_order_paid(self):
        self._loop_credit_staff()
        res = super().action_pos_order_paid()
        if not self.env.context.get(DEFER):
            self._loop_post_card_moves()
        return res

    @api.model
    def sync_from_ui(self, orders):
        # the same order sent twice at once is saved once (loop.pos.sync)
        self.env["loop.pos.sync"]._claim(order.get("uuid") for order in orders)
        return super().sync_from_ui(orders)

    def _process_saved_order(self, draft):
        res = super(PosOrder, self.with_context(**{DEFER: True}))._process_saved_order(
            draft
        )
        if not draft:
            self._loop_post_card_moves()
        return res

    def action_loop_view_card_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_move_action"
        )
        action["domain"] = [("pos_order_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------ staff credit
    def _loop_credit_staff(self):
        """A refund line keeps the staff member of the line it refunds: the
        credit goes back where it came from. Other lines keep what the till
        named; a line without one is credited, in the reports, to the staff
        member of the customer's done booking that day, else to the cashier
        (``lib.loop_sql.credited_staff``)."""
        for line in self.lines:
            refunded = line.refunded_orderline_id
            if not line.loop_staff_id and refunded.loop_staff_id:
                line.loop_staff_id = refunded.loop_staff_id

    # --------------------------------------------------------- card postings
    def _loop_post_card_moves(self):
        """Post the card moves of the paid orders (once per order).

        Raises :class:`LoopCardRefusal` when a card refuses them; the caller's
        transaction then writes nothing, the order included.
        """
        # sudo: a cashier needs no Customer Loop rights to sell a card or take
        # a card payment. The moves follow from the paid order alone, and the
        # card API still checks balances, sessions and expiry under its lock.
        moves = self.env["loop.card.move"].sudo()
        for order in self:
            if order.state not in PAID_STATES or not order._loop_has_card_effects():
                continue
            if moves.search_count([("pos_order_id", "=", order.id)], limit=1):
                continue
            order = order.with_context(**{CARD_DAY: order._loop_card_day()})
            try:
                reopened = order._loop_expired_cards()._reopen_expired(
                    order._loop_paid_before_expiry(), order._loop_origin()
                )
                order._loop_post_card_payments()
                order._loop_post_package_sessions()
                order._loop_post_card_sales()
                reopened.with_context(**{CARD_DAY: False})._expire()
            except LoopCardRefusal:
                raise
            except (UserError, AccessError) as error:
                raise LoopCardRefusal(
                    self.env._(
                        "Prepaid cards refuse %(order)s: %(reason)s",
                        order=order.pos_reference or order.name,
                        reason=error.args[0],
                    ),
                    order.uuid,
                ) from error

    def _loop_has_card_effects(self):
        self.ensure_one()
        return bool(
            self.payment_ids.payment_method_id.filtered("loop_is_card")
            or self.lines.loop_card_id
            or self.lines.refunded_orderline_id.loop_card_id
            or self._loop_card_types(active_only=False)
        )

    def _loop_card_types(self, active_only=True):
        """``{product: card type}`` of the card types the order's lines sell."""
        self.ensure_one()
        card_types = (
            self.env["loop.card.type"]
            .sudo()  # which product sells which card: see _loop_post_card_moves
            .with_context(active_test=active_only)
            .search(
                [
                    ("product_id", "in", self.lines.product_id.ids),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        result = {}
        for card_type in card_types.sorted(lambda t: not t.active):
            result.setdefault(card_type.product_id, card_type)
        return result

    def _loop_card_day(self):
        """The day the order's cards are judged on: the store's day of the
        moment the till stamped on the order (``date_order``), so an order a
        till kept while offline is judged when it was paid, not when it
        arrives. Never before its session opened, nor after now."""
        self.ensure_one()
        now = fields.Datetime.now()
        moment = self.date_order or now
        if self.session_id.start_at:
            moment = max(moment, self.session_id.start_at)
        return self.company_id._loop_date(min(moment, now))

    def _loop_expired_cards(self):
        """The order's cards that the expiry job closed after the order's day
        although they were still valid that day (``_loop_card_day``)."""
        self.ensure_one()
        cards = self.env["loop.card"].sudo()  # see _loop_post_card_moves
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "expired"),
            ("expiry_date", ">=", cards._today()),
        ]
        if self.partner_id and self.payment_ids.payment_method_id.filtered(
            "loop_is_card"
        ):
            cards |= cards.search(
                [
                    *domain,
                    ("partner_id", "=", self.partner_id.id),
                    ("kind", "=", "value"),
                ]
            )
        return cards | self.lines.loop_card_id.sudo().filtered_domain(domain)

    def _loop_paid_before_expiry(self):
        return self.env._(
            "%(order)s was paid at the till before the card expired",
            order=self.pos_reference or self.name,
        )

    def _loop_customer(self, message):
        self.ensure_one()
        if not self.partner_id:
            raise UserError(message)
        return self.partner_id

    def _loop_local_date(self):
        """The order's day in the store (``res.company._loop_date``)."""
        self.ensure_one()
        return self.company_id._loop_date(self.date_order or fields.Datetime.now())

    def _loop_origin(self):
        return {"pos_order_id": self.id}

    def _loop_refund_reason(self):
        return self.env._("Refund %(order)s", order=self.pos_reference or self.name)

    def _loop_open_moves(self, domain):
        """Moves matching ``domain`` that are neither reversals nor reversed."""
        moves = (
            self.env["loop.card.move"]
            .sudo()
            .search(
                [*domain, ("reversed_move_id", "=", False)],
                order="id",
            )
        )
        return moves.filtered(lambda move: not move.reversal_ids)

    # ---------------------------------------------------------- card payments
    def _loop_value_cards(self, partner):
        """The customer's usable stored-value cards, the one expiring first first."""
        self.ensure_one()
        cards = self.env["loop.card"].sudo()
        today = cards._today(self.company_id)
        cards = cards.search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", self.company_id.id),
                ("kind", "=", "value"),
                ("state", "=", "active"),
                "|",
                ("expiry_date", "=", False),
                ("expiry_date", ">=", today),
            ]
        )
        return cards.sorted(
            lambda card: (not card.expiry_date, card.expiry_date or date.max, card.id)
        )

    def _loop_post_card_payments(self):
        self.ensure_one()
        payments = self.payment_ids.filtered("payment_method_id.loop_is_card")
        if not payments:
            return
        currency = self.currency_id
        total = currency.round(sum(payments.mapped("amount")))
        if currency.is_zero(total):
            return
        partner = self._loop_customer(
            self.env._("A prepaid card payment needs the customer who holds the cards.")
        )
        if total < 0:
            self._loop_refund_card_payment(-total)
            return
        cards = self._loop_value_cards(partner)
        figures = cards._locked_figures()
        balances = [figures[card.id]["balance"] for card in cards]
        shares = pos_rules.split_payment(balances, total)
        if shares is None:
            raise UserError(
                self.env._(
                    "%(customer)s has %(balance)s of stored value left: not enough "
                    "for %(amount)s.",
                    customer=partner.display_name,
                    balance=currency.format(sum(balances)),
                    amount=currency.format(total),
                )
            )
        for card, share in zip(cards, shares, strict=True):
            if not currency.is_zero(share):
                card.consume_amount(share, self._loop_origin())

    def _loop_refund_card_payment(self, amount):
        """Put ``amount`` back on the cards the refunded order was paid with."""
        refunded = self.lines.refunded_orderline_id.order_id
        consumed = self._loop_open_moves(
            [
                ("pos_order_id", "in", refunded.ids or [0]),
                ("kind", "=", "consume"),
                ("card_kind", "=", "value"),
            ]
        )
        paid = -sum(consumed.mapped("amount"))
        if not consumed or self.currency_id.compare_amounts(amount, paid) != 0:
            raise UserError(
                self.env._(
                    "Only the whole prepaid card payment of the refunded order "
                    "(%(paid)s) can go back on the cards, not %(amount)s: pay the "
                    "refund back another way.",
                    paid=self.currency_id.format(paid),
                    amount=self.currency_id.format(amount),
                )
            )
        consumed.action_reverse(self._loop_refund_reason(), self._loop_origin())

    # ------------------------------------------------------- package sessions
    def _loop_post_package_sessions(self):
        self.ensure_one()
        for line in self.lines:
            refunded = line.refunded_orderline_id
            if line.qty < 0 and refunded.loop_card_id:
                self._loop_refund_sessions(line)
            elif line.loop_card_id:
                self._loop_take_sessions(line)

    def _loop_units(self, line):
        """The line's quantity as a whole number of cards or sessions."""
        units = int(abs(line.qty))
        if units != abs(line.qty):
            raise UserError(
                self.env._(
                    "%(product)s: prepaid cards and sessions are counted in whole "
                    "units, not %(qty)s.",
                    product=line.product_id.display_name,
                    qty=line.qty,
                )
            )
        return units

    def _loop_take_sessions(self, line):
        card = line.loop_card_id.sudo()
        partner = self._loop_customer(
            self.env._(
                "Taking a service from a package needs the customer who holds it."
            )
        )
        if line.qty < 0:
            raise UserError(
                self.env._(
                    "A session goes back on package %(card)s by refunding the order "
                    "that used it.",
                    card=card.code,
                )
            )
        if card.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "Package %(card)s was sold by %(company)s: it is used there.",
                    card=card.code,
                    company=card.company_id.name,
                )
            )
        if card.partner_id != partner:
            raise UserError(
                self.env._(
                    "Package %(card)s belongs to %(holder)s, not to %(customer)s.",
                    card=card.code,
                    holder=card.partner_id.display_name,
                    customer=partner.display_name,
                )
            )
        if not self.currency_id.is_zero(line.price_subtotal_incl):
            raise UserError(
                self.env._(
                    "%(service)s is taken from package %(card)s: the customer pays "
                    "nothing for it at the till.",
                    service=line.product_id.display_name,
                    card=card.code,
                )
            )
        units = self._loop_units(line)
        products = card._locked_figures()[card.id]["products"]
        left = products.get(line.product_id.id, [0, 0.0])[0]
        if line.product_id.id in products and units > left:
            raise UserError(
                self.env._(
                    "Card %(card)s has %(left)s session(s) of %(service)s left: not "
                    "enough for %(wanted)s.",
                    card=card.code,
                    left=left,
                    service=line.product_id.display_name,
                    wanted=units,
                )
            )
        for _unit in range(units):
            card.consume_session(line.product_id, self._loop_origin())

    def _loop_refund_sessions(self, line):
        original = line.refunded_orderline_id
        consumed = self._loop_open_moves(
            [
                ("pos_order_id", "=", original.order_id.id),
                ("card_id", "=", original.loop_card_id.id),
                ("product_id", "=", original.product_id.id),
                ("kind", "=", "consume"),
            ]
        )
        units = pos_rules.reversal_units(list(consumed), self._loop_units(line))
        if units is None:
            raise UserError(
                self.env._(
                    "Order %(order)s used %(count)s session(s) of %(service)s still "
                    "on record: it cannot give back more.",
                    order=original.order_id.pos_reference or original.order_id.name,
                    count=len(consumed),
                    service=original.product_id.display_name,
                )
            )
        self.env["loop.card.move"].sudo().browse(
            [move.id for move in units]
        ).action_reverse(self._loop_refund_reason(), self._loop_origin())

    # -------------------------------------------------------------- card sales
    def _loop_post_card_sales(self):
        self.ensure_one()
        selling = self._loop_card_types()
        refunding = self._loop_card_types(active_only=False)
        for line in self.lines:
            if line.qty > 0 and line.product_id in selling:
                self._loop_sell_cards(line, selling[line.product_id])
            elif line.qty < 0 and line.product_id in refunding:
                self._loop_refund_cards(line, refunding[line.product_id])

    def _loop_sell_cards(self, line, card_type):
        partner = self._loop_customer(
            self.env._(
                "Selling %(card)s needs a customer: the card will be theirs.",
                card=card_type.name,
            )
        )
        units = self._loop_units(line)
        paid = self.currency_id.round(line.price_subtotal_incl / line.qty)
        cards = self.env["loop.card"].sudo()
        for _unit in range(units):
            if card_type.kind == "value":
                value = card_type.amount or card_type.price or paid
                card = (
                    self._loop_top_up_card(partner, card_type)
                    if card_type.pos_sale_mode == "top_up"
                    else cards
                )
                if card:
                    card.top_up(value, paid, self._loop_origin())
                    continue
                cards.issue_card(
                    partner,
                    card_type,
                    self._loop_origin(),
                    amount=value,
                    paid=paid,
                    company_id=self.company_id.id,
                    issue_date=self._loop_local_date(),
                )
            else:
                cards.issue_card(
                    partner,
                    card_type,
                    self._loop_origin(),
                    paid=paid,
                    company_id=self.company_id.id,
                    issue_date=self._loop_local_date(),
                )

    def _loop_top_up_card(self, partner, card_type):
        """The customer's card of ``card_type`` valid longest, or no card."""
        cards = self.env["loop.card"].sudo()
        today = cards._today(self.company_id)
        cards = cards.search(
            [
                ("partner_id", "=", partner.id),
                ("type_id", "=", card_type.id),
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("active", "used_up")),
                "|",
                ("expiry_date", "=", False),
                ("expiry_date", ">=", today),
            ]
        )
        return cards.sorted(
            lambda card: (
                bool(card.expiry_date),
                card.expiry_date or date.max,
                card.id,
            ),
            reverse=True,
        )[:1]

    def _loop_refund_cards(self, line, card_type):
        original = line.refunded_orderline_id
        if not original:
            raise UserError(
                self.env._(
                    "A prepaid card is taken back by refunding the order that sold "
                    "it, not with a negative %(card)s line.",
                    card=card_type.name,
                )
            )
        moves = self._loop_open_moves(
            [
                ("pos_order_id", "=", original.order_id.id),
                ("type_id", "=", card_type.id),
                ("kind", "in", ("issue", "topup")),
            ]
        )
        # one unit sold = all the issue moves of one card, or one top-up
        units, card_unit = [], {}
        for move in moves:
            if move.kind == "issue" and move.card_id.id in card_unit:
                units[card_unit[move.card_id.id]] |= move
                continue
            if move.kind == "issue":
                card_unit[move.card_id.id] = len(units)
            units.append(move)
        chosen = pos_rules.reversal_units(units, self._loop_units(line))
        if chosen is None:
            raise UserError(
                self.env._(
                    "Order %(order)s sold %(count)s %(card)s still on record: it "
                    "cannot take back more.",
                    order=original.order_id.pos_reference or original.order_id.name,
                    count=len(units),
                    card=card_type.name,
                )
            )
        for unit in chosen:
            unit.action_reverse(self._loop_refund_reason(), self._loop_origin())
