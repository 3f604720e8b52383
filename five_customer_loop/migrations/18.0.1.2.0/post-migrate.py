import ast

from odoo.tools import SQL

from odoo.addons.five_customer_loop.models.loop_customer import FIGURES

# What jsonb's text value of each figure is cast to.
CASTS = {"date": "date", "timestamp": "timestamp", "varchar": "varchar"}


def migrate(cr, version):
    """Every figure moves from res_partner's jsonb columns into loop_member.

    Up to 18.0.1.1.0 the figures were company-dependent columns of res_partner
    (jsonb keyed by company id) copied into loop_member. loop_member is now
    their one home: each company's values are copied into its rows (one
    statement), the jsonb columns and res_partner's storage tuning dropped,
    and the stage rules rewritten as domains over loop_member.
    """
    if not version:
        return
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'res_partner' AND column_name LIKE 'loop_%%'
              AND data_type = 'jsonb'"""
    )
    present = {row[0] for row in cr.fetchall()}
    columns = [col for col in FIGURES if f"loop_{col}" in present]
    if columns:
        values = SQL(", ").join(
            SQL(
                "(p.%s->>c.id::text)::%s",
                SQL.identifier(f"loop_{col}"),
                SQL(CASTS.get(FIGURES[col], FIGURES[col])),
            )
            for col in columns
        )
        keys = SQL(" OR ").join(
            SQL("p.%s ? c.id::text", SQL.identifier(f"loop_{col}")) for col in columns
        )
        idents = [SQL.identifier(col) for col in columns]
        cr.execute(
            SQL(
                """INSERT INTO loop_customer AS m
                          (partner_id, company_id, name, active, user_id, %(cols)s,
                           create_uid, create_date, write_uid, write_date)
                   SELECT p.id, c.id, p.complete_name, p.active, p.loop_user_id,
                          %(values)s, 1, now() AT TIME ZONE 'UTC',
                          1, now() AT TIME ZONE 'UTC'
                     FROM res_partner p CROSS JOIN res_company c
                    WHERE %(keys)s
                   ON CONFLICT (partner_id, company_id) DO UPDATE SET %(excluded)s""",
                cols=SQL(", ").join(idents),
                values=values,
                keys=keys,
                excluded=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", ident, ident) for ident in idents
                ),
            )
        )
    for column in sorted(present):
        if column.removeprefix("loop_") in (*FIGURES, "days_since_visit"):
            cr.execute(
                SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(column))
            )
    cr.execute("ALTER TABLE res_partner RESET (fillfactor)")
    # stage rules: domains over loop_member ('loop_x' of a figure is 'x'; any
    # other partner field is read through the customer)
    cr.execute("SELECT id, rule_domain FROM loop_stage")
    for stage_id, rule in cr.fetchall():
        cr.execute(
            "UPDATE loop_stage SET rule_domain = %s WHERE id = %s",
            [_member_rule(rule), stage_id],
        )


def _member_rule(rule):
    """A rule over res.partner's fields as a rule over loop_member.

    ``loop_x`` of a figure becomes ``x``; any other partner field is read
    through the customer (``partner_id.field``). A rule that is not a literal
    domain is left as it was (the stage form then says what is wrong).
    """
    try:
        domain = ast.literal_eval(rule.strip() or "[]")
    except (ValueError, SyntaxError):
        return rule
    if not isinstance(domain, list | tuple):
        return rule
    converted = []
    for leaf in domain:
        if isinstance(leaf, list | tuple) and len(leaf) == 3:
            field = leaf[0]
            column = field.split(".")[0].removeprefix("loop_")
            if field.startswith("loop_") and column in (*FIGURES, "days_since_visit"):
                field = field.removeprefix("loop_")
            else:
                field = f"partner_id.{field}"
            leaf = (field, leaf[1], leaf[2])
        converted.append(leaf)
    return repr(converted)
