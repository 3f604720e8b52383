"""The load test's clients: tills and front desks talking to Odoo over HTTP.

A till sends its orders the way the 18.0 POS does, through the web client's
JSON-RPC route ``/web/dataset/call_kw/pos.order/sync_from_ui``; a front desk
books, cancels and browses bookings through ``call_kw`` as the calendar does.
Each client records every request (kind, latency, outcome) in a shared
:class:`Journal`. An order the server did not answer stays in the till and is
sent again later with the same uuid, as the POS keeps unsynced orders.
"""

import random
import threading
import time
import uuid as uuidlib
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import requests

# outcomes of a request
OK, REFUSED, FAILED = "ok", "refused", "failed"
# the plan's first customers are the popular ones (see load_setup.prepare)
POPULAR = 8


class Journal:
    """What the clients did: one entry per request, plus the orders' fate."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (kind, started, seconds, outcome)
        self.answered = {}  # uuid -> order id the server answered with
        self.refused = {}  # uuid -> reason (the till keeps the order)
        self.pending = 0  # orders still unanswered when the run ends
        self.notes = defaultdict(int)

    def record(self, kind, started, seconds, outcome):
        with self.lock:
            self.requests.append((kind, started, seconds, outcome))

    def answer(self, uuid, order_id):
        with self.lock:
            previous = self.answered.setdefault(uuid, order_id)
            if previous != order_id:
                self.notes["answers_differ"] += 1

    def note(self, key, count=1):
        with self.lock:
            self.notes[key] += count


class RpcError(Exception):
    """An error answer of Odoo's JSON-RPC (``data`` as Odoo serialised it)."""

    def __init__(self, data):
        super().__init__(data.get("message") or data.get("name"))
        self.data = data


class Client:
    """A logged-in browser session of one user."""

    def __init__(self, url, db, login, password, timeout=60):
        self.url, self.db, self.login, self.password = url, db, login, password
        self.timeout = timeout
        self.http = requests.Session()
        self.calls = 0

    def authenticate(self):
        self._post(
            "/web/session/authenticate",
            {"db": self.db, "login": self.login, "password": self.password},
        )

    def _post(self, path, params):
        self.calls += 1
        response = self.http.post(
            self.url + path,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": params,
                "id": self.calls,
            },
            timeout=self.timeout,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"].get("data") or {})
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", {"tz": "Asia/Shanghai"})
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def utc_now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Worker(threading.Thread):
    """A till or a desk: logs in, then does one of its ``MIX`` of kinds at a
    time, with a pause of ``--think`` seconds on average, until ``stop_at``."""

    MIX = ()

    def __init__(self, name, login, options, journal, stop_at, seed):
        super().__init__(name=name, daemon=True)
        self.options, self.journal, self.stop_at = options, journal, stop_at
        self.rng = random.Random(seed)
        self.client = Client(options.url, options.load_db, login, login)

    def step(self, kind):
        raise NotImplementedError

    def finish(self):
        """Closing time (after ``stop_at``)."""

    def run(self):
        try:
            self.client.authenticate()
        except (RpcError, requests.RequestException) as error:
            self.journal.note(f"login failed: {error}")
            return
        kinds = [kind for kind, _w in self.MIX]
        weights = [weight for _k, weight in self.MIX]
        while time.time() < self.stop_at:
            self.step(self.rng.choices(kinds, weights)[0])
            time.sleep(self.rng.uniform(0, 2 * self.options.think))
        self.finish()


class Till(Worker):
    """One till: cash orders, card payments, card top-ups, refunds, retries.

    ``plan`` is the set-up's description of the till (config, session, user,
    payment methods) and of the shop (products, customers, popular cards).
    """

    MIX = (
        ("cash", 50),
        ("card_pay", 28),
        ("top_up", 3),
        ("card_sale", 2),
        ("refund", 10),
        ("twice", 7),
    )

    def __init__(self, index, plan, options, journal, stop_at, offline=None):
        till = plan["tills"][index]
        seed = options.seed * 1000 + index
        super().__init__(
            f"till-{index}", till["login"], options, journal, stop_at, seed
        )
        self.index, self.plan, self.till = index, plan, till
        self.offline = offline  # (start, end) in seconds since the run began
        self.sequence = 0
        self.unsent = []  # orders the server has not answered
        self.kept = []  # orders taken while offline, sent when back online
        self.refundable = []  # (order uuid, partner, [(line id, product, price)])
        self.next_retry = 0.0

    # ------------------------------------------------------------ the orders
    def _order(self, partner, lines, payments, moment=None):
        self.sequence += 1
        moment = moment or utc_now()
        total = round(sum(line["price_subtotal_incl"] for line in lines), 2)
        uuid = str(uuidlib.uuid4())
        return {
            "uuid": uuid,
            "access_token": str(uuidlib.uuid4()),
            "name": f"Order {self.till['session_id']:05d}-{self.index + 1:03d}-"
            f"{self.sequence:04d}",
            "session_id": self.till["session_id"],
            "sequence_number": self.sequence,
            "user_id": self.till["user_id"],
            "partner_id": partner or False,
            "pricelist_id": self.till["pricelist_id"],
            "fiscal_position_id": False,
            "date_order": stamp(moment),
            "state": "paid",
            "to_invoice": False,
            "amount_total": total,
            "amount_tax": 0.0,
            "amount_paid": round(sum(amount for _m, amount in payments), 2),
            "amount_return": 0.0,
            "last_order_preparation_change": "{}",
            "lines": [[0, 0, line] for line in lines],
            "payment_ids": [
                [
                    0,
                    0,
                    {
                        "uuid": str(uuidlib.uuid4()),
                        "amount": amount,
                        "payment_method_id": method,
                        "payment_date": stamp(moment),
                    },
                ]
                for method, amount in payments
            ],
        }

    @staticmethod
    def _line(product, qty=1, price=None, refunded=False):
        price = product["price"] if price is None else price
        return {
            "uuid": str(uuidlib.uuid4()),
            "product_id": product["id"],
            "full_product_name": product["name"],
            "qty": qty,
            "price_unit": price,
            "price_subtotal": round(price * qty, 2),
            "price_subtotal_incl": round(price * qty, 2),
            "price_type": "original",
            "discount": 0,
            "tax_ids": [[6, 0, []]],
            "pack_lot_ids": [],
            "note": "",
            "customer_note": "",
            "loop_card_id": False,
            "refunded_orderline_id": refunded or False,
            "loop_staff_id": False,
        }

    def _cash_order(self, moment=None):
        products = self.rng.sample(self.plan["products"], self.rng.randint(1, 3))
        lines = [self._line(product) for product in products]
        total = round(sum(line["price_subtotal_incl"] for line in lines), 2)
        partner = self.rng.choice(self.plan["customers"])
        return self._order(partner, lines, [(self.till["cash_id"], total)], moment)

    def _card_order(self, moment=None):
        partner = self.rng.choice(self.plan["popular"])
        product = self.rng.choice(self.plan["products"])
        price = float(self.rng.choice((60, 120, 180, 280)))
        lines = [self._line(product, price=price)]
        return self._order(
            partner, lines, [(self.plan["card_method_id"], price)], moment
        )

    def _top_up_order(self, partner=None):
        """The card's product sold to a popular customer: her card is topped up."""
        partner = partner or self.rng.choice(self.plan["popular"])
        product = self.plan["card_product"]
        return self._order(
            partner, [self._line(product)], [(self.till["cash_id"], product["price"])]
        )

    def _card_sale_order(self):
        """The card's product sold to another customer: a new card for her (or a
        top-up, when an earlier sale gave her one)."""
        return self._top_up_order(self.rng.choice(self.plan["customers"][POPULAR:]))

    def _refund_order(self):
        if not self.refundable:
            return None
        uuid, partner, lines = self.refundable.pop(
            self.rng.randrange(len(self.refundable))
        )
        line_id, product, price = self.rng.choice(lines)
        refund = [self._line(product, qty=-1, price=price, refunded=line_id)]
        return self._order(partner, refund, [(self.till["cash_id"], -price)])

    # ----------------------------------------------------------- the sending
    def _sync(self, kind, orders):
        """Send ``orders`` at once; return the answered ``{uuid: order id}``.

        A refusal names the order the cards refuse: the till keeps that one
        and sends the others again (``static/src/pos/pos_store.js``). Orders
        of a failed request stay unsent.
        """
        started = time.time()
        t0 = time.perf_counter()
        try:
            result = self.client.call(
                "pos.order",
                "sync_from_ui",
                [dict(order) for order in orders],
                context={"tz": "Asia/Shanghai", "login_number": 1},
            )
        except RpcError as error:
            refused = (error.data.get("context") or {}).get("loop_card_refused_order")
            self.journal.record(
                kind, started, time.perf_counter() - t0, REFUSED if refused else FAILED
            )
            if not refused:
                self.journal.note(f"error: {str(error)[:100]}")
                return None
            self.journal.refused[refused] = str(error)[:200]
            rest = [order for order in orders if order["uuid"] != refused]
            return self._sync(kind, rest) if rest else {}
        except (requests.RequestException, ValueError) as error:
            self.journal.record(kind, started, time.perf_counter() - t0, FAILED)
            self.journal.note(f"http: {type(error).__name__}")
            return None
        self.journal.record(kind, started, time.perf_counter() - t0, OK)
        saved = {order["uuid"]: order["id"] for order in result.get("pos.order", [])}
        for order in orders:
            if order["uuid"] in saved:
                self.journal.answer(order["uuid"], saved[order["uuid"]])
        if kind == "cash" and len(orders) == 1 and orders[0]["uuid"] in saved:
            lines = [
                (
                    line["id"],
                    next(
                        p
                        for p in self.plan["products"]
                        if p["id"] == line["product_id"]
                    ),
                    line["price_unit"],
                )
                for line in result.get("pos.order.line", [])
                if line.get("order_id") == saved[orders[0]["uuid"]]
            ]
            if lines:
                self.refundable.append(
                    (orders[0]["uuid"], orders[0]["partner_id"], lines)
                )
        return saved

    def _send(self, kind, order):
        saved = self._sync(kind, [order])
        if saved is None:
            self.unsent.append(order)

    def _send_twice(self):
        """The same order sent twice at once (a retry after a timeout)."""
        order = self._cash_order()
        twin = Till._Twin(self, order)
        twin.start()
        saved = self._sync("twice", [order])
        twin.join()
        if saved is None and twin.saved is None:
            self.unsent.append(order)
        self.journal.note("sent_twice")

    class _Twin(threading.Thread):
        def __init__(self, till, order):
            super().__init__(daemon=True)
            self.till, self.order, self.saved = till, order, None
            self.client = Client(
                till.options.url,
                till.options.load_db,
                till.till["login"],
                till.till["login"],
            )
            self.client.http.cookies = till.client.http.cookies.copy()

        def run(self):
            started, t0 = time.time(), time.perf_counter()
            try:
                result = self.client.call(
                    "pos.order",
                    "sync_from_ui",
                    [dict(self.order)],
                    context={"tz": "Asia/Shanghai", "login_number": 1},
                )
                self.saved = {o["uuid"]: o["id"] for o in result.get("pos.order", [])}
                for uuid, order_id in self.saved.items():
                    self.till.journal.answer(uuid, order_id)
                outcome = OK
            except (RpcError, requests.RequestException, ValueError):
                outcome = FAILED
            self.till.journal.record(
                "twice", started, time.perf_counter() - t0, outcome
            )

    def _retry_unsent(self):
        """Send the unanswered orders again, at most every two seconds (the
        POS retries its unsynced orders with the next order it sends)."""
        if self.unsent and time.time() >= self.next_retry:
            orders, self.unsent = self.unsent, []
            for order in orders:
                self._send("retry", order)
            self.next_retry = time.time() + 2

    # --------------------------------------------------------------- the loop
    def _is_offline(self, now):
        return (
            self.offline
            and self.offline[0] <= now - self.options.began < self.offline[1]
        )

    def _send_kept(self):
        """Back online: what was sold meanwhile goes out in one sync."""
        if self.kept:
            kept, self.kept = self.kept, []
            if self._sync("offline_batch", kept) is None:
                self.unsent.extend(kept)

    def step(self, kind):
        if self._is_offline(time.time()):
            # no network: the till keeps selling, cards included
            maker = self._card_order if self.rng.random() < 0.4 else self._cash_order
            self.kept.append(maker())
            self.journal.note("offline_orders")
            return
        self._send_kept()
        self._retry_unsent()
        if kind == "twice":
            self._send_twice()
            return
        order = {
            "cash": self._cash_order,
            "card_pay": self._card_order,
            "top_up": self._top_up_order,
            "card_sale": self._card_sale_order,
            "refund": self._refund_order,
        }[kind]()
        if order:
            self._send(kind, order)

    def finish(self):
        # closing time: what is still unsent goes out now, until answered
        deadline = time.time() + 120
        while (self.unsent or self.kept) and time.time() < deadline:
            self._send_kept()
            self._retry_unsent()
            if self.unsent:
                time.sleep(1)
        with self.journal.lock:
            self.journal.pending += len(self.unsent) + len(self.kept)


class Desk(Worker):
    """One front desk: books shared staff, cancels, browses the calendar."""

    MIX = (("book", 60), ("cancel", 15), ("browse", 25))

    def __init__(self, index, plan, options, journal, stop_at):
        desk = plan["desks"][index]
        seed = options.seed * 1000 + 500 + index
        super().__init__(
            f"desk-{index}", desk["login"], options, journal, stop_at, seed
        )
        self.plan = plan
        self.booked = []

    def _timed(self, kind, call):
        started, t0 = time.time(), time.perf_counter()
        try:
            result = call()
        except RpcError as error:
            refused = "ValidationError" in (error.data.get("name") or "") or (
                "UserError" in (error.data.get("name") or "")
            )
            self.journal.record(
                kind, started, time.perf_counter() - t0, REFUSED if refused else FAILED
            )
            self.journal.note(f"{'refused' if refused else 'error'}: {str(error)[:28]}")
            return None
        except (requests.RequestException, ValueError) as error:
            self.journal.record(kind, started, time.perf_counter() - t0, FAILED)
            self.journal.note(f"http: {type(error).__name__}")
            return None
        self.journal.record(kind, started, time.perf_counter() - t0, OK)
        return result

    def _book(self):
        day = self.plan["first_day"] + timedelta(
            days=self.rng.randrange(self.plan["days"])
        )
        local = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=10, minutes=30 * self.rng.randrange(16)
        )
        start = local - timedelta(hours=self.plan["utc_offset_hours"])
        vals = {
            "loop_partner_id": self.rng.choice(self.plan["customers"]),
            "loop_staff_id": self.rng.choice(self.plan["staff"]),
            "loop_service_ids": [[6, 0, [self.plan["service_id"]]]],
            "start": stamp(start),
            "is_loop_booking": True,
        }
        result = self._timed(
            "book", lambda: self.client.call("calendar.event", "create", [vals])
        )
        if result:
            self.booked.extend(result if isinstance(result, list) else [result])

    def _cancel(self):
        if not self.booked:
            return
        event = self.booked.pop(self.rng.randrange(len(self.booked)))
        self._timed(
            "cancel",
            lambda: self.client.call("calendar.event", "action_loop_cancel", [event]),
        )

    def _browse(self):
        day = self.plan["first_day"] + timedelta(
            days=self.rng.randrange(self.plan["days"])
        )
        low = datetime.combine(day, datetime.min.time()) - timedelta(
            hours=self.plan["utc_offset_hours"]
        )
        domain = [
            ["is_loop_booking", "=", True],
            ["start", ">=", stamp(low)],
            ["start", "<", stamp(low + timedelta(days=1))],
        ]
        fields = [
            "name",
            "start",
            "stop",
            "loop_staff_id",
            "loop_partner_id",
            "loop_state",
        ]
        self._timed(
            "browse",
            lambda: self.client.call(
                "calendar.event", "search_read", domain, fields=fields, limit=200
            ),
        )

    def step(self, kind):
        {"book": self._book, "cancel": self._cancel, "browse": self._browse}[kind]()
