from odoo.tools import SQL

BRIDGE = "five_customer_loop_pos"

# What the till's bridge now declares: the external ids of its model, fields,
# access right and constraint, handed over with their records (ids kept).
MOVED = (
    "model_loop_pos_sync",
    "field_loop_pos_sync__%",
    "access_loop_pos_sync_%",
    "constraint_loop_pos_sync_%",
    "field_res_partner__loop_booking_staff_id",
    "field_res_users__loop_booking_staff_id",
    "field_loop_card__pos_sessions",
    "field_pos_order__loop_receipt_cards",
)


def migrate(cr, version):
    """The till's side of the loop moved to the bridge addon ``five_customer_loop_pos``.

    The bridge installs itself with the loop on new databases (auto-install);
    an upgrade marks it to be installed in the same run (Odoo loads the
    modules marked "to install" after those it upgrades), and hands it the
    external ids of what it now declares, so that the end of the upgrade finds
    them owned and deletes nothing: the till's sync log (``loop_pos_sync``)
    keeps its rows and its unique constraint.
    """
    if not version:
        return
    cr.execute(
        SQL(
            """UPDATE ir_module_module SET state = 'to install'
                WHERE name = %s AND state = 'uninstalled'""",
            BRIDGE,
        )
    )
    cr.execute(SQL("SELECT id FROM ir_module_module WHERE name = %s", BRIDGE))
    row = cr.fetchone()
    if not row:
        return
    condition = SQL(" OR ").join(SQL("name LIKE %s", pattern) for pattern in MOVED)
    cr.execute(
        SQL(
            """UPDATE ir_model_data SET module = %s
                WHERE module = 'five_customer_loop' AND (%s)""",
            BRIDGE,
            condition,
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_model_constraint SET module = %s
                WHERE name LIKE %s
                  AND module = (SELECT id FROM ir_module_module
                                 WHERE name = 'five_customer_loop')""",
            row[0],
            "loop_pos_sync_%",
        )
    )
