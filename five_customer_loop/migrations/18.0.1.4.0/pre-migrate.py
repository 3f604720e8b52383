from odoo.addons.five_customer_loop.lib.migration import hand_over

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
    an upgrade marks it to be installed in the same run and hands it the
    external ids of what it now declares (``lib.migration.hand_over``): the
    till's sync log (``loop_pos_sync``) keeps its rows and its unique
    constraint.
    """
    if version:
        hand_over(cr, "five_customer_loop_pos", MOVED, constraints=["loop_pos_sync_%"])
