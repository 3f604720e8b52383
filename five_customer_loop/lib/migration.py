"""Upgrade helpers: what moves from the loop to one of its bridge addons."""

from odoo.tools import SQL

LOOP = "five_customer_loop"


def hand_over(cr, bridge, patterns, constraints=None):
    """Give ``bridge`` the external ids (``ir_model_data`` names LIKE one of
    ``patterns``) of the records it now declares, and the SQL constraints
    whose names are LIKE ``constraints``; mark it to be installed if it is not.

    Run from a pre-migration of the loop: Odoo installs the modules marked
    "to install" after those it upgrades, in the same run, and the end of the
    upgrade finds the handed-over records owned by the bridge and deletes
    nothing (their columns, rows and constraints stay). Returns False when
    the bridge is not in the addons path.
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
        return False
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
                    WHERE name LIKE %s
                      AND module = (SELECT id FROM ir_module_module
                                     WHERE name = %s)""",
                row[0],
                constraints,
                LOOP,
            )
        )
    return True
