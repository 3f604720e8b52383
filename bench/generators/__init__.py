"""Pluggable generators of the benchmark data set.

Each generator is one step: a subclass of :class:`Generator` decorated with
:func:`register`, living in any module of this package (modules are imported
by :func:`load`). Steps run in ``sequence`` order and share one
:class:`Context`: the environment, a seeded random generator, the reference
date, the shops, staff, products and the customers with their profiles.

To add cards, bookings or care records later, drop a module here::

    @register
    class CardGenerator(Generator):
        name = "cards"
        sequence = 60                      # after orders (30), before recompute (900)
        requires = ("loop.card",)          # skipped while the model does not exist

        def run(self, ctx):
            ...                            # ctx.copy_rows("loop_card", columns, rows)

Bulk rows go through :meth:`Context.copy_rows` (COPY) with ids reserved by
:meth:`Context.reserve_ids`, so that later steps can reference them without a
round trip. Steps record what they made in ``ctx.counts``.
"""

import importlib
import io
import pkgutil
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

REGISTRY = {}


def register(cls):
    """Class decorator: make a generator available under ``cls.name``."""
    REGISTRY[cls.name] = cls
    return cls


def load():
    """Import every module of this package; return the generators in order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(
        (cls() for cls in REGISTRY.values()), key=lambda g: (g.sequence, g.name)
    )


class Generator:
    """One step of the data set."""

    name = None
    sequence = 100
    requires = ()  # models that must exist for this step to run
    help = ""

    def applicable(self, ctx):
        return all(model in ctx.env for model in self.requires)

    def run(self, ctx):
        raise NotImplementedError


@dataclass
class Profile:
    """What drives one customer's history (drawn once, used by several steps)."""

    partner_id: int
    shop: int  # index in ctx.shops
    staff_id: int
    first_day: int  # day offsets from ctx.start
    last_day: int
    orders: int
    ticket: float  # median order amount
    favourites: tuple  # product indexes
    visit_days: list = field(default_factory=list)


@dataclass
class Context:
    env: object
    customers: int
    today: date
    seed: int = 42
    years: int = 2
    tz_name: str = "Asia/Shanghai"
    rng: random.Random = None
    company: object = None
    shops: list = field(
        default_factory=list
    )  # dicts: config_id, name, method_id, session_id...
    staff: list = field(default_factory=list)  # res.users ids
    manager_id: int = None
    products: list = field(default_factory=list)  # dicts: id, name, price
    partner_ids: list = field(default_factory=list)
    profiles: list = field(default_factory=list)  # Profile, same order as partner_ids
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.tz = ZoneInfo(self.tz_name)
        self.start = self.today - timedelta(days=365 * self.years)
        self.days = (self.today - self.start).days  # orders fall on days [0, days)

    @property
    def cr(self):
        return self.env.cr

    def day(self, offset):
        return self.start + timedelta(days=offset)

    def utc(self, day_offset, minutes):
        """Naive UTC datetime of local time ``minutes`` after midnight of a day."""
        local = datetime.combine(self.day(day_offset), datetime.min.time(), self.tz)
        local += timedelta(minutes=minutes)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    def reserve_ids(self, table, count):
        """Reserve ``count`` consecutive ids of ``table``; return the first one."""
        self.cr.execute(
            f"""SELECT setval('{table}_id_seq',
                       GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),
                                (SELECT last_value FROM {table}_id_seq)) + %s)""",
            (count,),
        )
        return self.cr.fetchone()[0] - count + 1

    def skip_fk_checks(self):
        """Skip foreign-key triggers until the end of the transaction, if allowed.

        Bulk rows reference records that exist by construction (reserved ids),
        so the per-row checks only slow COPY down (each takes a row lock on the
        referenced record). Needs a superuser role; otherwise nothing changes
        and False is returned. Call :meth:`check_references` afterwards.
        """
        self.env.flush_all()
        try:
            with self.cr.savepoint(flush=False):
                self.cr.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001  (insufficient privilege: keep the checks)
            return False
        self.cr.execute("SHOW session_replication_role")
        return self.cr.fetchone()[0] == "replica"

    def check_references(self, tables):
        """Re-check every foreign key of ``tables`` in one query each; raise on a dangling one."""
        self.cr.execute("SET LOCAL session_replication_role = DEFAULT")
        for table in tables:
            self.cr.execute(
                """SELECT a.attname, c.confrelid::regclass::text, fa.attname
                     FROM pg_constraint c
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                     JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
                    WHERE c.contype = 'f' AND c.conrelid = %s::regclass""",
                (table,),
            )
            for column, target, target_column in self.cr.fetchall():
                self.cr.execute(
                    f"""SELECT COUNT(*) FROM {table} t
                         WHERE t.{column} IS NOT NULL AND NOT EXISTS
                               (SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"""
                )
                dangling = self.cr.fetchone()[0]
                if dangling:
                    raise AssertionError(
                        f"{dangling} rows of {table}.{column} reference no {target}"
                    )

    def writer(self, table, columns, chunk=50_000, after=()):
        """A :class:`CopyWriter` of ``table``: ``add(row)`` then ``close()``.

        ``after``: writers of the tables this one references (foreign keys):
        they are flushed first, so their rows exist when these are copied.
        """
        self.env.flush_all()
        return CopyWriter(self.cr, table, columns, chunk, after)

    def copy_rows(self, table, columns, rows):
        """COPY ``rows`` (tuples of str or None, already formatted) into ``table``."""
        writer = self.writer(table, columns)
        for row in rows:
            writer.add(row)
        return writer.close()


class CopyWriter:
    """Buffered ``COPY table FROM STDIN`` in text format, flushed every ``chunk`` rows."""

    def __init__(self, cr, table, columns, chunk, after=()):
        self.cr = cr
        self.table = table
        self.after = after
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.width = len(columns)
        self.chunk = chunk
        self.rows = []
        self.total = 0
        self.seconds = 0.0  # time spent in COPY

    def add(self, row):
        assert len(row) == self.width, row
        self.rows.append("\t".join(r"\N" if v is None else v for v in row))
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self):
        for writer in self.after:
            writer.flush()
        if self.rows:
            buf = io.StringIO("\n".join(self.rows) + "\n")
            started = time.perf_counter()
            self.cr._obj.copy_expert(self.sql, buf)
            self.seconds += time.perf_counter() - started
            self.total += len(self.rows)
            self.rows = []

    def close(self):
        self.flush()
        return self.total


def text(value):
    """COPY text of a value that may hold tabs, newlines or backslashes."""
    if value is None:
        return None
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def poisson(rng, lam):
    """A Poisson draw (Knuth below 30, normal approximation above)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
