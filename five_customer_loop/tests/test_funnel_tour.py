from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestFunnelTour(HttpCase):
    def test_drag_customer_to_another_stage(self):
        attract = self.env.ref("five_customer_loop.stage_attract")
        lockin = self.env.ref("five_customer_loop.stage_lockin")
        tina = (
            self.env["res.partner"]
            .with_context(loop_enroll=True)
            .create({"name": "Tour Tina"})
        )
        self.assertEqual(tina.loop_stage_id, attract)
        self.start_tour(
            "/odoo/action-five_customer_loop.loop_customer_action_funnel",
            "five_customer_loop_funnel_drag",
            login="admin",
        )
        tina.invalidate_recordset()
        self.assertEqual(tina.loop_stage_id, lockin)
        self.assertTrue(tina.loop_stage_pinned)
        move = self.env["loop.stage.history"].search(
            [("partner_id", "=", tina.id)], limit=1
        )
        # one move (the cancelled drop moved nothing), with the reason given
        self.assertEqual(
            (move.kind, move.stage_from_id, move.stage_to_id, move.reason),
            ("manual", attract, lockin, "Bought a yearly card"),
        )
        self.assertEqual(
            self.env["loop.stage.history"].search_count(
                [("partner_id", "=", tina.id), ("kind", "=", "manual")]
            ),
            1,
        )
        self.assertEqual(move.user_id.login, "admin")
