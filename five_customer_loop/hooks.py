import logging

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Backfill what the addon derives for the customers already in the database.

    Every company gets its default tiers, then one full recompute fills the
    consumption archive, tier, segment, health and stage of every partner who
    has paid POS orders.
    """
    env["res.company"].search([])._loop_create_default_tiers()
    done = env["loop.engine"].run_all()
    _logger.info("Five-Customer Loop: backfilled %s partners", done)


def uninstall_hook(env):
    """Forget the engine's run state; the ORM drops our columns and tables."""
    env["ir.config_parameter"].sudo().search(  # sudo: our own technical parameter
        [("key", "like", "five_customer_loop.%")]
    ).unlink()
    env.cr.execute("ALTER TABLE res_partner RESET (fillfactor)")  # set by res.partner init()
