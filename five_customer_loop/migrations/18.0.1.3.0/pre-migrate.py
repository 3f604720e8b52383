from odoo.tools import SQL

OLD, NEW = "loop.member", "loop.customer"
OLD_TABLE, NEW_TABLE = "loop_member", "loop_customer"

# Columns that name a model, and the tables holding them (those present are
# updated: mail and attachments may hold rows of the model).
MODEL_COLUMNS = (
    ("ir_model", "model"),
    ("ir_model_fields", "model"),
    ("ir_model_fields", "relation"),
    ("ir_model_data", "model"),
    ("ir_act_window", "res_model"),
    ("ir_ui_view", "model"),
    ("ir_filters", "model_id"),
    ("ir_attachment", "res_model"),
    ("mail_message", "model"),
    ("mail_followers", "res_model"),
    ("mail_activity", "res_model"),
    ("mail_activity_type", "res_model"),
)


def migrate(cr, version):
    """The figures' home ``loop.member`` is now ``loop.customer``.

    Renamed in place before the registry loads (the ORM would otherwise create
    an empty ``loop_customer`` and drop the old model with its rows): the
    table, its sequence, constraints and indexes, the model's metadata, the
    external ids that carried the old name (access rights, record rule, views,
    fields), and every reference to the model by name. The partner's one2many
    ``loop_member_ids`` becomes ``loop_customer_ids``.
    """
    if not version:
        return
    _drop_obsolete_views(cr)
    if not _table_exists(cr, OLD_TABLE) or _table_exists(cr, NEW_TABLE):
        return
    cr.execute(
        SQL(
            "ALTER TABLE %s RENAME TO %s",
            SQL.identifier(OLD_TABLE),
            SQL.identifier(NEW_TABLE),
        )
    )
    cr.execute(
        "ALTER SEQUENCE IF EXISTS loop_member_id_seq RENAME TO loop_customer_id_seq"
    )
    cr.execute(
        """SELECT conname FROM pg_constraint
            WHERE conrelid = 'loop_customer'::regclass
              AND conname LIKE 'loop\\_member\\_%%'"""
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE loop_customer RENAME CONSTRAINT %s TO %s",
                SQL.identifier(name),
                SQL.identifier(_renamed(name)),
            )
        )
    cr.execute(
        """SELECT indexname FROM pg_indexes
            WHERE tablename = 'loop_customer' AND indexname LIKE 'loop\\_member%%'"""
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER INDEX %s RENAME TO %s",
                SQL.identifier(name),
                SQL.identifier(_renamed(name)),
            )
        )
    for table, column in MODEL_COLUMNS:
        if _column_exists(cr, table, column):
            cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s WHERE %s = %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    NEW,
                    SQL.identifier(column),
                    OLD,
                )
            )
    cr.execute(
        """UPDATE ir_model_fields SET name = 'loop_customer_ids'
            WHERE model = 'res.partner' AND name = 'loop_member_ids'"""
    )
    cr.execute(
        """UPDATE ir_model_constraint
              SET name = replace(name, 'loop_member', 'loop_customer')
            WHERE name LIKE 'loop\\_member%%'"""
    )
    # the same names the sources now give (model_loop_customer,
    # field_loop_customer__*, access_loop_customer_*, view_loop_customer_*,
    # field_res_partner__loop_customer_ids, ...): the records are kept
    cr.execute(
        """UPDATE ir_model_data
              SET name = replace(name, 'loop_member', 'loop_customer')
            WHERE module = 'five_customer_loop' AND name LIKE '%%loop\\_member%%'"""
    )


def _renamed(name):
    return name.replace(OLD_TABLE, NEW_TABLE, 1)


def _table_exists(cr, table):
    cr.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'", [table])
    return bool(cr.fetchone())


def _column_exists(cr, table, column):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = %s AND column_name = %s""",
        [table, column],
    )
    return bool(cr.fetchone())


# Views of 18.0.1.2.0 that this version no longer ships: the settings moved
# to ``loop.settings``. Gone before the data loads, or validating the updated
# settings form would fail on their anchors.
OBSOLETE_VIEWS = (
    "res_config_settings_view_form_booking",
    "res_config_settings_view_form_care",
)


def _drop_obsolete_views(cr):
    cr.execute(
        """DELETE FROM ir_ui_view WHERE id IN (
               SELECT res_id FROM ir_model_data
                WHERE module = 'five_customer_loop' AND model = 'ir.ui.view'
                  AND name IN %s)""",
        [OBSOLETE_VIEWS],
    )
    cr.execute(
        """DELETE FROM ir_model_data
            WHERE module = 'five_customer_loop' AND model = 'ir.ui.view'
              AND name IN %s""",
        [OBSOLETE_VIEWS],
    )
