from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Fill the funnel's table and give the default tiers translatable names."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for company in env["res.company"].search([]):
        env["loop.member"]._sync(company)
    # One-letter names ("A") cannot be translated (Odoo skips one-letter
    # terms): the default tiers are now "Tier A" ... "Tier E" (A客 ... E客).
    # Only names still equal to their code are renamed; a name a manager chose
    # is kept.
    cr.execute(
        """UPDATE loop_tier
              SET name = name || jsonb_build_object('en_US', 'Tier ' || code)
                         || CASE WHEN name->>'zh_CN' = code
                                 THEN jsonb_build_object('zh_CN', code || '客')
                                 ELSE '{}'::jsonb END
            WHERE code IN ('A', 'B', 'C', 'D', 'E') AND name->>'en_US' = code"""
    )
