"""Referrals: about one customer in ten was brought by an earlier customer."""

from . import Generator, register

REFERRAL_SHARE = 0.10


@register
class Referrals(Generator):
    """Set ``loop_referred_by_id`` (and the Referral channel) on ~10% of customers.

    The referrer is a customer whose first visit came before the referred
    one's; a few "ambassadors" bring several friends, as in real stores.
    """

    name = "referrals"
    sequence = 25

    def run(self, ctx):
        rng = ctx.rng
        channel = ctx.env["loop.channel"].search([("is_referral", "=", True)], limit=1)
        by_first = sorted(ctx.profiles, key=lambda p: p.first_day)
        ambassadors = rng.sample(
            by_first[: len(by_first) // 2], max(1, len(by_first) // 200)
        )
        pairs = []
        for position, profile in enumerate(by_first[1:], start=1):
            if rng.random() >= REFERRAL_SHARE:
                continue
            if rng.random() < 0.3:
                referrer = rng.choice(ambassadors)
                if referrer.first_day >= profile.first_day:
                    continue
            else:
                referrer = by_first[rng.randrange(position)]
            pairs.append((profile.partner_id, referrer.partner_id))
        ctx.cr.execute(
            """UPDATE res_partner p SET loop_referred_by_id = v.ref, loop_channel_id = %s
                 FROM unnest(%s::int[], %s::int[]) AS v(id, ref) WHERE p.id = v.id""",
            (channel.id or None, [a for a, _b in pairs], [b for _a, b in pairs]),
        )
        ctx.counts["referrals"] = ctx.cr.rowcount
