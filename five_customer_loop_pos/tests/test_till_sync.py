"""Two requests of a till saving the same order at once, on real separate
cursors (these tests commit, and remove what they committed)."""

import threading
import time

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.five_customer_loop.tests.common import TEST_NOW


@tagged("post_install", "-at_install")
class TestTillSync(TransactionCase):
    freeze_time = TEST_NOW

    def _env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    @mute_logger("odoo.sql_db")
    def test_order_sent_twice_at_once_is_claimed_once(self):
        """A till's retry arrives while its first request still runs: both
        claim the order's uuid before looking it up (``loop.pos.sync``). The
        retry waits for the first, then must serialise again; run again, it
        sees the claim (and so the saved order) and claims nothing."""
        uuid = "concurrency-test-order"
        self.addCleanup(self._drop_claim, uuid)
        env1, env2 = self._env(), self._env()
        # the retry's snapshot predates the commit
        env2.cr.execute("SELECT pg_backend_pid()")
        retry_pid = env2.cr.fetchone()[0]
        env1["loop.pos.sync"]._claim([uuid])
        results = {}

        def retry():
            try:
                env2["loop.pos.sync"]._claim([uuid])
                results["claimed"] = True
            except psycopg2.errors.SerializationFailure as error:
                results["error"] = error

        thread = threading.Thread(target=retry)
        thread.start()
        # the retry waits for the first request's row lock (polled: a timed
        # join would not return under the test command's shifted clock)
        waiting = None
        for _poll in range(200):
            env1.cr.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures
            env1.cr.execute(
                SQL(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    retry_pid,
                )
            )
            waiting = env1.cr.fetchone()[0]
            if waiting == "Lock" or not thread.is_alive():
                break
            time.sleep(0.05)
        self.assertEqual(waiting, "Lock", "the retry waits for the first request")
        env1.cr.commit()
        thread.join(timeout=10)
        self.assertIsInstance(
            results.get("error"), psycopg2.errors.SerializationFailure
        )
        env2.cr.rollback()
        # Odoo runs the request again: the claim is there, nothing more is written
        env2["loop.pos.sync"]._claim([uuid])
        env2.cr.execute(SQL("SELECT COUNT(*) FROM loop_pos_sync WHERE uuid = %s", uuid))
        self.assertEqual(env2.cr.fetchone()[0], 1)

    def _drop_claim(self, uuid):
        with self.registry.cursor() as cr:
            cr.execute(SQL("DELETE FROM loop_pos_sync WHERE uuid = %s", uuid))
