from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib.migration import hand_over

# What the till's bridge now declares: every field that names a POS record
# (orders, shops, lines, payment methods), the POS users' read access to the
# cards and the views of the POS forms, handed over with their records.
MOVED = (
    "field_res_partner__loop_store_id",
    "field_res_partner__loop_tier_name",
    "field_res_partner__loop_stage_name",
    "field_loop_card_move__pos_order_id",
    "field_loop_card_move__pos_config_id",
    "field_loop_retention_snapshot__config_id",
    "field_loop_return_rate__config_id",
    "field_loop_card_liability_line__pos_config_id",
    "field_loop_monthly_report_wizard__config_id",
    "field_loop_customer_analysis__store_id",
    "field_loop_referral_report__store_id",
    "field_pos_order__loop_card_move_count",
    "field_pos_order_line__loop_card_id",
    "field_pos_order_line__loop_staff_id",
    "field_pos_payment_method__loop_is_card",
    "access_loop_card_pos_user",
    "access_loop_card_type_pos_user",
    "pos_payment_method_view_form",
    "pos_order_view_form",
)
# The foreign keys of those fields, which the bridge declares on a new database.
FOREIGN_KEYS = (
    "res_partner_loop_store_id_fkey",
    "loop_card_move_pos_order_id_fkey",
    "loop_card_move_pos_config_id_fkey",
    "loop_retention_snapshot_config_id_fkey",
    "loop_return_rate_config_id_fkey",
    "loop_card_liability_line_pos_config_id_fkey",
    "loop_monthly_report_wizard_config_id_fkey",
    "pos_order_line_loop_card_id_fkey",
    "pos_order_line_loop_staff_id_fkey",
)


def migrate(cr, version):
    """The loop no longer needs the POS: what names a POS record moved to the
    bridge addon ``five_customer_loop_pos`` (``lib.migration.hand_over``).

    Two figures change their storage, with every row kept:

    - a retention snapshot says its store with ``store_key`` (the POS shop's
      id, 0 for all the stores), which the unique index of the scopes now
      reads; the bridge keeps ``config_id`` beside it;
    - a referral reward names its first order with ``order_ref`` (a reference
      to an order of any source: a sale order may earn a reward too).
    """
    if not version:
        return
    hand_over(cr, "five_customer_loop_pos", MOVED, constraints=FOREIGN_KEYS)
    cr.execute(
        SQL(
            """ALTER TABLE loop_retention_snapshot
                   ADD COLUMN IF NOT EXISTS store_key integer;
               UPDATE loop_retention_snapshot SET store_key = COALESCE(config_id, 0);
               DROP INDEX IF EXISTS loop_retention_snapshot_scope_uniq;
               ALTER TABLE loop_referral_reward
                   ADD COLUMN IF NOT EXISTS order_ref varchar;
               UPDATE loop_referral_reward SET order_ref = 'pos.order,' || order_id
                WHERE order_id IS NOT NULL"""
        )
    )
