"""Two tills consuming the same card at the same moment, on real separate cursors.

These tests commit: their data (a card type, a customer and a card of the
main company) is created in its own committed transaction and removed again by
``_cleanup``, with SQL for the ledger that the ORM never deletes.
"""

import threading

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from .common import TEST_NOW


@tagged("post_install", "-at_install")
class TestCardConcurrency(TransactionCase):
    freeze_time = TEST_NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            card_type = env["loop.card.type"].create(
                {
                    "name": "Concurrency Card",
                    "kind": "value",
                    "price": 100.0,
                    "amount": 100.0,
                    "validity_number": 0,
                    "company_id": company.id,
                }
            )
            partner = env["res.partner"].create({"name": "Concurrent Customer"})
            card = (
                env["loop.card"]
                .with_company(company)
                .issue_card(partner, card_type, {"origin": "concurrency test"})
            )
            cls.data = {"type": card_type.id, "partner": partner.id, "card": card.id}
            cr.commit()  # pylint: disable=invalid-commit
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            ids = cls.data
            for query in (
                "DELETE FROM loop_card_move WHERE card_id = %(card)s",
                """DELETE FROM mail_followers
                    WHERE res_model = 'loop.card' AND res_id = %(card)s""",
                """DELETE FROM mail_message
                    WHERE model = 'loop.card' AND res_id = %(card)s""",
                "DELETE FROM loop_card WHERE id = %(card)s",
                "DELETE FROM loop_card_type WHERE id = %(type)s",
                "DELETE FROM loop_stage_history WHERE partner_id = %(partner)s",
                "DELETE FROM loop_tier_history WHERE partner_id = %(partner)s",
                """DELETE FROM mail_activity
                    WHERE res_model = 'res.partner' AND res_id = %(partner)s""",
                "DELETE FROM res_partner WHERE id = %(partner)s",
            ):
                cr.execute(SQL(query, **ids))
            cr.commit()  # pylint: disable=invalid-commit

    def _env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _state(self):
        env = self._env()
        card = env["loop.card"].browse(self.data["card"])
        return card.balance, len(card.move_ids)

    def _reset(self):
        """Bring the card back to 100 with a top-up, committed."""
        env = self._env()
        card = env["loop.card"].browse(self.data["card"])
        if card.balance < 100.0:
            card.top_up(100.0 - card.balance, None, {"origin": "reset"})
        env.cr.commit()

    @mute_logger("odoo.sql_db")
    def test_stale_till_must_retry_and_then_sees_the_balance(self):
        """Till 2 started before till 1 committed: it may not overdraw from old data."""
        self._reset()
        env1, env2 = self._env(), self._env()
        card1 = env1["loop.card"].browse(self.data["card"])
        card2 = env2["loop.card"].browse(self.data["card"])
        # till 2's transaction starts now and sees 100
        self.assertEqual(card2.balance, 100.0)
        card1.consume_amount(80.0, {"origin": "till 1"})
        env1.cr.commit()
        # till 2 also wants 80 of the 100 it saw: PostgreSQL refuses its stale
        # transaction (the card row changed since it started) instead of letting
        # it read the old ledger
        with self.assertRaises(psycopg2.errors.SerializationFailure):
            card2.consume_amount(80.0, {"origin": "till 2"})
        env2.cr.rollback()
        env2.invalidate_all()
        # Odoo retries the request: now the 20 left is not enough
        with self.assertRaisesRegex(UserError, "not enough"):
            card2.consume_amount(80.0, {"origin": "till 2"})
        env2.cr.rollback()
        balance, _moves = self._state()
        self.assertEqual(balance, 20.0)
        env = self._env()
        self.assertFalse(
            env["loop.card.move"].search(
                [("card_id", "=", self.data["card"]), ("origin", "=", "till 2")]
            )
        )

    @mute_logger("odoo.sql_db")
    def test_locked_card_waits_for_the_other_till(self):
        """While till 1 holds the card, till 2 waits to read its ledger for a debit."""
        self._reset()
        env1, env2 = self._env(), self._env()
        env1["loop.card"].browse(self.data["card"]).consume_amount(
            80.0, {"origin": "till 1"}
        )
        env2.cr.execute("SET LOCAL lock_timeout = '200ms'")
        with self.assertRaises(psycopg2.errors.LockNotAvailable):
            env2["loop.card"].browse(self.data["card"]).consume_amount(
                80.0, {"origin": "till 2"}
            )
        env2.cr.rollback()
        env1.cr.commit()
        self.assertEqual(self._state()[0], 20.0)

    @mute_logger("odoo.sql_db")
    def test_two_tills_at_the_same_moment(self):
        """Two threads consume 80 of 100 at once, retrying like Odoo: one is refused."""
        self._reset()
        barrier = threading.Barrier(2, timeout=10)
        results = {}
        # The environments are made here: while the test runner runs, the main
        # thread holds the registry lock that creating a first environment on a
        # cursor takes (and that ``odoo.service.model.retrying`` takes again
        # through ``env.reset()``). Each till then works on its own cursor in its
        # thread and retries on serialization failures the way ``retrying`` does.
        envs = {name: self._env() for name in ("A", "B")}

        def till(name):
            env = envs[name]
            card = env["loop.card"].browse(self.data["card"])
            # both transactions start and see 100 before either consumes
            card.read(["balance"])
            barrier.wait()
            for _attempt in range(5):
                try:
                    results[name] = card.consume_amount(80.0, {"origin": name}).id
                    env.cr.commit()
                    return
                except psycopg2.errors.SerializationFailure:
                    results.setdefault("retries", []).append(name)
                    env.cr.rollback()
                    env.invalidate_all()
                except UserError as error:
                    env.cr.rollback()
                    results[name] = error
                    return

        threads = [threading.Thread(target=till, args=(name,)) for name in envs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # the till that lost the race saw a stale snapshot: it was made to retry
        self.assertEqual(len(results.pop("retries", [])), 1, results)
        self.assertEqual(len(results), 2, results)
        refused = [r for r in results.values() if isinstance(r, UserError)]
        self.assertEqual(len(refused), 1, results)
        self.assertIn("not enough", str(refused[0]))
        self.assertEqual(self._state()[0], 20.0)
