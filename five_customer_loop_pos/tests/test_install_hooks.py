"""The bridge's post-init step: it derives the figures only when the loop was
installed in the same run; a loop installed before keeps what it derived."""

from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from odoo.addons.five_customer_loop import hooks
from odoo.addons.five_customer_loop.tests.common import TEST_NOW


# after every module of the run is installed: no bridge is still to come
@tagged("post_install", "-at_install")
class TestInstallHooks(TransactionCase):
    freeze_time = TEST_NOW

    def _steps(self):
        """The backfill's derivations, counted instead of run."""
        env = self.env
        return [
            patch.object(type(env["loop.engine"]), "run_all", return_value=0),
            patch.object(type(env["loop.history.reconstruction"]), "_reconstruct"),
            patch.object(type(env["loop.channel.conversion"]), "_cron_rebuild"),
            patch.object(type(env["loop.return.rate"]), "_cron_rebuild"),
        ]

    def _run(self, module):
        steps = self._steps()
        mocks = [step.start() for step in steps]
        try:
            hooks.backfill_from_bridge(self.env, module)
        finally:
            for step in steps:
                step.stop()
        return [mock.call_count for mock in mocks]

    def test_bridge_installed_after_the_loop_derives_nothing(self):
        """An upgrade that installs the bridge (or its module installed later):
        the loop's figures, histories and measures are left as they are."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(hooks.BACKFILL_PENDING, False)
        self.assertEqual(self._run(hooks.POS_BRIDGE), [0, 0, 0, 0])

    def test_bridge_installed_with_the_loop_derives_once(self):
        """Installed in the run that installed the loop: the backfill the loop
        left waiting runs, from the moment the install began, and is done."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(hooks.BACKFILL_PENDING, "2026-11-23 03:00:00")
        with patch.object(
            type(self.env["loop.history.reconstruction"]), "_reconstruct"
        ) as reconstruct:
            steps = self._steps()[:1] + self._steps()[2:]
            for step in steps:
                step.start()
            try:
                hooks.backfill_from_bridge(self.env, hooks.POS_BRIDGE)
            finally:
                for step in steps:
                    step.stop()
        self.assertEqual(reconstruct.call_count, 1)
        self.assertEqual(
            str(reconstruct.call_args.kwargs["installed"]), "2026-11-23 03:00:00"
        )
        self.assertFalse(params.get_param(hooks.BACKFILL_PENDING))
        # a second bridge of the same run finds nothing waiting
        self.assertEqual(self._run("five_customer_loop_sale"), [0, 0, 0, 0])
