import logging

from odoo import fields
from odoo.tools import SQL

from .demo import loop_demo

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Backfill what the addon derives for the customers already in the database.

    Every company gets its default tiers, then one full recompute fills the
    consumption archive, tier, segment, health and stage of every partner who
    has paid POS orders, their stage and tier history before the install day
    is reconstructed from the order history, and the Attract conversion and
    return rates are built from the order history. A database with demo data
    first gets the demo chain (Python builds it: its orders, cards and bookings
    go through the models' own methods, which XML records cannot express).
    """
    installed = fields.Datetime.now()
    env["res.company"].search([])._loop_create_default_tiers()
    env["product.template"]._loop_mark_bookable_services()
    if env.ref("base.module_five_customer_loop").demo:
        loop_demo.load(env)
    done = env["loop.engine"].run_all()
    _logger.info("Five-Customer Loop: backfilled %s partners", done)
    # the stage and tier history before today, month-end by month-end
    env["loop.history.reconstruction"]._reconstruct(installed=installed)
    # the measures built from the order history: the Attract conversion and
    # the return rates of the last year
    env["loop.channel.conversion"]._cron_rebuild()
    env["loop.return.rate"]._cron_rebuild()


# Append-only tables that refer to our configuration records with ON DELETE
# RESTRICT: emptied before Odoo removes those records, children first.
HISTORY_TABLES = ("loop_stage_history", "loop_tier_history")


def uninstall_hook(env):
    """Empty our history tables and forget the engine's run state.

    The ORM then drops our columns and tables; customers and POS orders stay.
    """
    for table in HISTORY_TABLES:
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    env["ir.config_parameter"].sudo().search(  # sudo: our own technical parameter
        [("key", "like", "five_customer_loop.%")]
    ).unlink()
