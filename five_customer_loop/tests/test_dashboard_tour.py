from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboard_figure_opens_customers(self):
        company = self.env.ref("base.main_company")
        ref = self.env.ref
        Partner = self.env["res.partner"]
        rita = Partner.create({"name": "Tour Rita"})
        sam = Partner.create({"name": "Tour Sam"})
        self.env["loop.engine"]._write_company_values(
            company,
            {
                rita.id: {
                    "loop_stage_id": ref("five_customer_loop.stage_retain").id,
                    "loop_health": "at_risk",
                },
                sam.id: {
                    "loop_stage_id": ref("five_customer_loop.stage_attract").id,
                    "loop_health": "good",
                },
            },
        )
        # the dashboard shows 1 at risk and 1 in Retain; a click opens Rita only
        self.start_tour(
            "/odoo/action-five_customer_loop.loop_dashboard_action",
            "five_customer_loop_dashboard",
            login="admin",
        )
