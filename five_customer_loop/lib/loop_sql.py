"""SQL fragments shared by the models (no ORM access)."""

from odoo.tools import SQL

# States of a POS order that count as paid.
PAID_STATES = ("paid", "done", "invoiced")


def company_value(field, company, cast, alias="p"):
    """SQL of a company-dependent column's value for ``company``.

    Odoo 18 keeps company-dependent values in a jsonb column keyed by company id.
    """
    return SQL(
        "(%s->%s->>0)::%s", SQL.identifier(alias, field), str(company.id), SQL(cast)
    )
