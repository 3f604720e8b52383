"""Upgrade helpers: what moves from the loop to one of its bridge addons."""

from odoo.tools import SQL

LOOP = "five_customer_loop"


def hand_over(cr, bridge, patterns, constraints=None):
    """Give ``bridge`` the external ids (``ir_model_data`` names LIKE one of
    ``patterns``) of the records it now declares, and the SQL and foreign key
    constraints whose names are LIKE one of ``constraints``; mark it to be
    installed if it is not.

    Run from a pre-migration of the loop: Odoo installs the modules marked
    "to install" after those it upgrades, in the same run, and the end of the
    upgrade finds the handed-over records owned by the bridge and deletes
    nothing (their columns, rows and constraints stay). Without the bridge in
    the addons path the upgrade stops: it would drop those columns.
    """
    cr.execute(
        SQL(
            """UPDATE ir_module_module SET state = 'to install'
                WHERE name = %s AND state = 'uninstalled'""",
            bridge,
        )
    )
    cr.execute(SQL("SELECT id FROM ir_module_module WHERE name = %s", bridge))
    row = cr.fetchone()
    if not row:
        # an upgrade's message, read in the server log: not translated
        raise RuntimeError(
            f"Upgrading the Five-Customer Loop needs its addon {bridge} in the "
            "addons path (it now holds data of the loop): add it, update the "
            "apps list and upgrade again."
        )
    condition = SQL(" OR ").join(SQL("name LIKE %s", pattern) for pattern in patterns)
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET module = %s WHERE module = %s AND (%s)",
            bridge,
            LOOP,
            condition,
        )
    )
    if constraints:
        cr.execute(
            SQL(
                """UPDATE ir_model_constraint SET module = %s
                    WHERE (%s)
                      AND module = (SELECT id FROM ir_module_module
                                     WHERE name = %s)""",
                row[0],
                SQL(" OR ").join(SQL("name LIKE %s", name) for name in constraints),
                LOOP,
            )
        )
