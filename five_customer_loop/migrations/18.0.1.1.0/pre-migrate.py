from odoo.tools import SQL


def migrate(cr, version):
    """The lunar birthday became two selections ("1" ... "12", "1" ... "30").

    Convert the integer columns in place (0 meant "not set") before the ORM
    sees the new field type, which would otherwise move the old column aside.
    """
    if not version:
        return
    for column in ("loop_lunar_month", "loop_lunar_day"):
        cr.execute(
            SQL(
                "ALTER TABLE res_partner ALTER COLUMN %s TYPE varchar "
                "USING NULLIF(%s, 0)::varchar",
                SQL.identifier(column),
                SQL.identifier(column),
            )
        )
