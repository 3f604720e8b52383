"""Last step: the nightly recompute fills every customer's figures, as after install."""

from bench import runner

from . import Generator, register


@register
class Recompute(Generator):
    """Run the engine's full recompute (committed batches) on the reference day.

    This is what the install hook or the first nightly run does on an existing
    database; it also turns the seeded tier history into real upgrades and
    downgrades, and schedules the activities they raise.
    """

    name = "recompute"
    sequence = 900

    def run(self, ctx):
        cr = ctx.cr
        for table in (
            "res_partner",
            "loop_customer",
            "pos_order",
            "pos_order_line",
            "pos_payment",
            "loop_stage_history",
            "loop_tier_history",
        ):
            cr.execute(f"ANALYZE {table}")
        cr.commit()
        batches = runner.cron_run(ctx.env.registry, ctx.today)
        ctx.env.invalidate_all()
        ctx.counts["recompute_batches"] = len(batches)
        ctx.timings["recompute_first_run"] = sum(b["seconds"] for b in batches)
