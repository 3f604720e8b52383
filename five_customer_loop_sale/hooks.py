from odoo.addons.five_customer_loop import hooks as loop_hooks


def post_init_hook(env):
    """Backfill again, now that the engine sees the confirmed sale orders.

    The bridge installs after the main addon (in the same run when sale is
    there): the figures, histories and measures are derived from every order
    source once the last of them is installed, when the loop was installed in
    the same run (``five_customer_loop.hooks.backfill_from_bridge``).
    """
    loop_hooks.backfill_from_bridge(env, "five_customer_loop_sale")
