from odoo.addons.five_customer_loop import hooks as loop_hooks
from odoo.addons.five_customer_loop.demo import loop_demo

from .demo import pos_demo


def post_init_hook(env):
    """Backfill again, now that the engine sees the POS orders.

    The bridge installs after the main addon (in the same run when
    point_of_sale is there): the main addon's backfill did not see the POS
    orders, this one derives every figure, history and measure from them
    (``five_customer_loop.hooks.backfill_from_bridge``: only when the loop
    was installed in the same run; a loop installed before keeps what it
    derived). With demo data, the demo chain the main addon's hook prepared is
    built first, through the tills (``demo/pos_demo.py``); a chain the main
    addon built before the POS came gets its tills.
    """
    demo = env.ref("base.module_five_customer_loop_pos").demo
    params = env["ir.config_parameter"].sudo()  # sudo: our own technical parameter
    # the loop installed in this run (its figures wait) with demo data: its
    # hook prepared the chain for the tills
    if (
        params.get_param(loop_hooks.BACKFILL_PENDING)
        and env.ref("base.module_five_customer_loop").demo
    ):
        # the POS without demo data (none in point_of_sale): the front desk
        build = pos_demo.load if demo else _chain_at_front_desk
    else:
        build = pos_demo.attach if demo else None
    loop_hooks.backfill_from_bridge(env, loop_hooks.POS_BRIDGE, demo=build)


def _chain_at_front_desk(env):
    loop_demo.build(env, loop_demo.FrontDesk(env))
