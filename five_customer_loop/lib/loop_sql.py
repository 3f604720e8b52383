"""SQL fragments shared by the models (no ORM access)."""

from odoo.tools import SQL

# States of a POS order that count as paid.
PAID_STATES = ("paid", "done", "invoiced")


def local_date(column, tz):
    """SQL of the local calendar day of the UTC timestamp ``column``.

    ``tz`` is a time zone name, or an SQL expression giving one.
    """
    tz = tz if isinstance(tz, SQL) else SQL("%s", tz)
    return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", column, tz)


def company_amount(alias):
    """SQL of an order's total in company currency: orders keep their rate."""
    return SQL(
        "%s / COALESCE(NULLIF(%s, 0), 1.0)",
        SQL.identifier(alias, "amount_total"),
        SQL.identifier(alias, "currency_rate"),
    )
