def migrate(cr, version):
    """Give the default tiers translatable names.

    (This step also filled the funnel's table; since 18.0.1.2.0 the figures
    move there in that version's migration.)
    """
    if not version:
        return
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
