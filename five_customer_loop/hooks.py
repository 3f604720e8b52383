import logging

from odoo import fields
from odoo.tools import SQL

from .demo import loop_demo

_logger = logging.getLogger(__name__)


POS_BRIDGE = "five_customer_loop_pos"
# The bridges that bring paid orders (the engine's order sources): they install
# after this addon, and the last of them to install in a run derives the figures.
SOURCE_BRIDGES = (POS_BRIDGE, "five_customer_loop_sale")
# The figures wait for the last order source installed in the run that installs
# this addon: set (to the moment the install began) when they wait, taken by
# the bridge that derives them.
BACKFILL_PENDING = "five_customer_loop.backfill_pending"


def post_init_hook(env):
    """Backfill what the addon derives for the customers already in the database.

    See :func:`backfill`. A database with demo data first gets the demo chain
    (Python builds it: its cards and bookings go through the models' own
    methods, which XML records cannot express). When the POS bridge is
    installed in the same run (point_of_sale is there or comes with it), the
    chain's visits are its tills' orders: this hook only prepares the chain
    (its company and people) and the bridge's hook builds it with its tills,
    then backfills again.
    """
    installed = fields.Datetime.now()
    demo = None
    if env.ref("base.module_five_customer_loop").demo:
        if coming(env, [POS_BRIDGE]):
            # the bridge's hook builds it (the figures wait for it too)
            loop_demo.prepare(env)
        else:
            demo = loop_demo.load
    backfill(env, installed, demo=demo)


def coming(env, names):
    """Whether one of the modules ``names`` is installed in this run, after the
    one whose hook asks (a bridge installs itself with its module: it is marked
    to install with it; a module is still "to install" while its own hook
    runs)."""
    return bool(
        env["ir.module.module"].search_count(
            [("name", "in", list(names)), ("state", "=", "to install")]
        )
    )


def backfill(env, installed, demo=None, module="five_customer_loop"):
    """Derive what the addon derives, for every customer in the database.

    Every company gets its default tiers and the services already sold, booked
    or in a package become bookable; ``demo`` (a function of ``env``, if any)
    then builds demo data. One full recompute fills the consumption archive,
    tier, segment, health and stage of every partner in the loop (paid orders
    of every source the engine reads, cards, bookings, referrals, acquisition
    channels), their stage and tier history before ``installed`` (when the
    install began) is reconstructed from the order history, and the Attract
    conversion and return rates are built from the order history. ``module``:
    the module whose post-init hook runs it.

    Run by this addon's post-init hook, and by the hook of each bridge that
    brings paid orders (``SOURCE_BRIDGES``: the POS orders, the sale orders)
    installed in the same run (``backfill_from_bridge``): only then does the
    engine see its orders. The bridges install after this addon, and only
    the last of them derives the figures (the recompute, the reconstruction
    and the measures: minutes on a large database); the others do the rest.
    Running it again is safe: the tiers and bookable services are only
    added where missing, the recompute and the measures' rebuild replace what
    they computed, and the reconstruction replaces its own rows (marked
    ``reconstructed``) and joins the first recorded row only while that row
    is still an entry from nothing, so no stay or tier change is written
    twice.
    """
    env["res.company"].search([])._loop_create_default_tiers()
    env["product.template"]._loop_mark_bookable_services()
    if demo:
        demo(env)
    params = env["ir.config_parameter"].sudo()  # sudo: our own technical parameter
    if coming(env, [name for name in SOURCE_BRIDGES if name != module]):
        _logger.info("Five-Customer Loop: the figures wait for the order sources")
        params.set_param(BACKFILL_PENDING, fields.Datetime.to_string(installed))
        return
    params.set_param(BACKFILL_PENDING, False)
    done = env["loop.engine"].run_all()
    _logger.info("Five-Customer Loop: backfilled %s partners", done)
    # the stage and tier history before today, month-end by month-end
    env["loop.history.reconstruction"]._reconstruct(installed=installed)
    # the measures built from the order history: the Attract conversion and
    # the return rates of the last year
    env["loop.channel.conversion"]._cron_rebuild()
    env["loop.return.rate"]._cron_rebuild()


def backfill_from_bridge(env, module, demo=None):
    """The post-init step of a bridge that brings paid orders (``module``).

    When this addon was installed in the same run (its backfill left
    ``BACKFILL_PENDING``, the moment the install began), the backfill goes on
    with this bridge's orders, and the last such bridge derives the figures.
    Otherwise the loop was there before the bridge (an upgrade that installs
    it, or its module installed later): its figures, histories and measures
    are derived already, and the nightly run reads the new orders; only
    ``demo`` (a function of ``env``, if any) runs.
    """
    params = env["ir.config_parameter"].sudo()  # sudo: our own technical parameter
    pending = params.get_param(BACKFILL_PENDING)
    if not pending:
        if demo:
            demo(env)
        return
    backfill(env, fields.Datetime.to_datetime(pending), demo=demo, module=module)


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
