def migrate(cr, version):
    """The funnel's totals are a plain grouped read now: drop their machinery.

    Dropped before the figures are copied into loop_member (post-migrate), so
    that the copy does not feed the statement triggers one last time.
    """
    if not version:
        return
    cr.execute("DROP FUNCTION IF EXISTS loop_member_count_delta() CASCADE")
    cr.execute("DROP TABLE IF EXISTS loop_member_count")
    cr.execute(
        "DELETE FROM ir_config_parameter WHERE key = 'five_customer_loop.run_state'"
    )
