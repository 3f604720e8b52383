import io

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common import LoopCase

TODAY = "2026-06-30 04:00:00"  # noon in Shanghai
REPORT = "five_customer_loop.report_customer_archive"


def _text(node):
    return " ".join(node.text_content().split())


@tagged("post_install", "-at_install")
class TestArchiveReport(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # fixed segment thresholds: high amount from 500, frequent from 3 visits
        cls.company.write(
            {
                "loop_segment_mode": "manual",
                "loop_segment_amount": 500.0,
                "loop_segment_frequency": 3.0,
            }
        )
        cls.company_2 = cls.setup_other_company(name="Second Store Co")["company"]
        cls.company_2._loop_create_default_tiers()
        cls.shop_2 = cls.loop_shop(cls.company_2, name="Second Shop")
        cls.staff = cls.company_user(
            "beautician", name="Betty Beautician", tz="Asia/Shanghai"
        )
        cls.plain = cls.company_user(
            "plain", groups="base.group_user", tz="Asia/Shanghai"
        )
        cls.alice = cls.env["res.partner"].create(
            {
                "name": "Alice Archive",
                "loop_birthday": "1990-04-12",
                "loop_occupation": "Architect",
                "loop_preferences": "Jasmine tea, low pillow",
                "loop_personality": "Quiet, likes to rest",
                "loop_allergies": "Allergic to lanolin",
                "loop_contraindications": "Pregnant since May",
                "loop_user_id": cls.staff.id,
            }
        )
        cls.bob = cls.env["res.partner"].create({"name": "Bob Second"})

    def setUp(self):
        super().setUp()
        self.loop_order(self.alice, 1000.0, "2025-05-10 10:00:00")
        self.loop_order(self.alice, 500.0, "2025-12-01 09:00:00")
        self.loop_order(self.alice, 200.0, "2026-03-02 11:00:00")
        self.loop_order(self.alice, 999.0, "2026-06-01 10:00:00", shop=self.shop_2)
        Care = self.env["loop.care.record"].with_user(self.staff)
        with freeze_time(TODAY):
            # six done services, one a month from January (10:00 in Shanghai)
            for month in range(1, 7):
                Care.create(
                    {
                        "partner_id": self.alice.id,
                        "product_id": self.service.id,
                        "date": f"2026-0{month}-05 02:00:00",
                        "condition_before": f"Visit {month}",
                        "satisfaction": str(min(month, 5)),
                        "next_visit_date": f"2026-0{month}-20",
                        "state": "done",
                    }
                )
            cancelled = Care.create(
                {
                    "partner_id": self.alice.id,
                    "product_id": self.service.id,
                    "date": "2026-06-20 02:00:00",
                    "condition_before": "Visit cancelled",
                }
            )
            cancelled.action_cancel()
            Care.create(
                {
                    "partner_id": self.alice.id,
                    "product_id": self.service.id,
                    "date": "2026-06-25 02:00:00",
                    "condition_before": "Visit draft",
                }
            )
            self.env["loop.care.record"].with_company(self.company_2).create(
                {
                    "partner_id": self.alice.id,
                    "product_id": self.service.id,
                    "date": "2026-06-01 02:00:00",
                    "condition_before": "Visit other store",
                    "state": "done",
                }
            )
            Feedback = self.env["loop.feedback"].with_user(self.staff)
            Feedback.create(
                {
                    "name": "Red cheeks after the peeling",
                    "partner_id": self.alice.id,
                    "kind": "complaint",
                    "date": "2026-03-03",
                    "satisfaction": "2",
                    "state": "resolved",
                    "resolution": "Refunded the peeling",
                }
            )
            Feedback.create(
                {
                    "name": "Play softer music",
                    "partner_id": self.alice.id,
                    "kind": "suggestion",
                    "date": "2026-06-06",
                }
            )
            self.env["loop.engine"].refresh_partners(self.alice | self.bob)

    def _render(self, partners, user=None, company=None):
        env = self.env(user=user or self.env.user)
        if company:
            env = env(
                context=dict(
                    env.context, allowed_company_ids=[company.id, self.company.id]
                )
            )
        with freeze_time(TODAY):
            html, report_type = env["ir.actions.report"]._render_qweb_html(
                REPORT, partners.ids
            )
        self.assertEqual(report_type, "html")
        return html.decode()

    def _page(self, html, partner):
        pages = lxml_html.fromstring(html).xpath(
            f"//div[@data-partner-id='{partner.id}']"
        )
        self.assertEqual(len(pages), 1)
        return pages[0]

    def _field(self, page, css_class):
        nodes = page.xpath(f".//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
        self.assertEqual(len(nodes), 1, css_class)
        return _text(nodes[0])

    def _rows(self, page, table_class):
        table = f"table[contains(concat(' ', @class, ' '), ' {table_class} ')]"
        return [
            [_text(cell) for cell in row.xpath("./td")]
            for row in page.xpath(f".//{table}/tbody/tr")
        ]

    def test_three_archives_hand_computed(self):
        page = self._page(self._render(self.alice, user=self.staff), self.alice)
        # the loop: 3 visits >= 2 is Retain; 12-month spend 700 < 5,000 is tier E;
        # average ticket 566.67 >= 500 but 2 visits in 12 months < 3: Potential;
        # 120 days away <= max(60, 2 x 148) is healthy
        self.assertEqual(self._field(page, "o_loop_stage"), "Retain")
        self.assertEqual(self._field(page, "o_loop_tier"), "Tier E")
        self.assertEqual(self._field(page, "o_loop_segment"), "Potential")
        self.assertEqual(self._field(page, "o_loop_health"), "Healthy")
        # basic archive, sensitive fields included for a loop user
        self.assertEqual(self._field(page, "o_loop_birthday"), "04/12/1990")
        self.assertEqual(self._field(page, "o_loop_age_band"), "30-39")
        text = _text(page)
        self.assertIn("Architect", text)
        self.assertIn("Jasmine tea, low pillow", text)
        self.assertIn("Allergic to lanolin", text)
        self.assertIn("Pregnant since May", text)
        self.assertIn("Quiet, likes to rest", text)
        # consumption archive of the first company (the second store's 999 is not in it)
        self.assertEqual(self._field(page, "o_loop_first_visit"), "05/10/2025")
        self.assertEqual(self._field(page, "o_loop_last_visit"), "03/02/2026")
        # 1,000 + 500 + 200
        self.assertEqual(self._field(page, "o_loop_spend_total"), "$ 1,700.00")
        # the window starts on 2025-07-01: 500 + 200
        self.assertEqual(self._field(page, "o_loop_spend_12m"), "$ 700.00")
        # 1,700 / 3 visits
        self.assertEqual(self._field(page, "o_loop_avg_ticket"), "$ 566.67")
        self.assertEqual(self._field(page, "o_loop_visits"), "3 / 2")
        # 2026-03-02 to 2026-06-30
        self.assertEqual(self._field(page, "o_loop_days"), "120")
        # 296 days from the first to the last visit over 2 intervals
        self.assertEqual(self._field(page, "o_loop_interval"), "148.0 days")
        # 2026-03-02 + 148 days
        self.assertEqual(self._field(page, "o_loop_next_visit"), "07/28/2026")
        # the only product came back on another visit: 1 of 1
        self.assertEqual(self._field(page, "o_loop_repurchase"), "100.0")
        self.assertEqual(self._field(page, "o_loop_card_balance"), "$ 0.00")
        # care archive: the 5 latest done services, newest first; the cancelled,
        # the draft and the other store's record are left out
        care = self._rows(page, "o_loop_care")
        self.assertEqual(
            [(row[0], row[3], row[5], row[6]) for row in care],
            [
                ("06/05/2026", "Visit 6", "5/5", "06/20/2026"),
                ("05/05/2026", "Visit 5", "5/5", "05/20/2026"),
                ("04/05/2026", "Visit 4", "4/5", "04/20/2026"),
                ("03/05/2026", "Visit 3", "3/5", "03/20/2026"),
                ("02/05/2026", "Visit 2", "2/5", "02/20/2026"),
            ],
        )
        self.assertEqual({row[1] for row in care}, {"Facial Care"})
        self.assertEqual({row[2] for row in care}, {"Betty Beautician"})
        feedback = self._rows(page, "o_loop_feedback")
        self.assertEqual(
            feedback,
            [
                ["06/06/2026", "Suggestion", "Play softer music", "New", "", ""],
                [
                    "03/03/2026",
                    "Complaint",
                    "Red cheeks after the peeling",
                    "Resolved",
                    "2/5",
                    "Refunded the peeling",
                ],
            ],
        )

    def test_figures_of_the_printing_company(self):
        page = self._page(self._render(self.alice, company=self.company_2), self.alice)
        self.assertIn("Figures of Second Store Co", _text(page))
        # one visit of 999 on 2026-06-01, 29 days before 2026-06-30
        self.assertEqual(self._field(page, "o_loop_spend_total"), "$ 999.00")
        self.assertEqual(self._field(page, "o_loop_spend_12m"), "$ 999.00")
        self.assertEqual(self._field(page, "o_loop_avg_ticket"), "$ 999.00")
        self.assertEqual(self._field(page, "o_loop_visits"), "1 / 1")
        self.assertEqual(self._field(page, "o_loop_days"), "29")
        # a single visit has no interval
        self.assertEqual(self._field(page, "o_loop_interval"), "–")
        self.assertEqual(self._field(page, "o_loop_stage"), "Attract")
        self.assertEqual(self._field(page, "o_loop_tier"), "Tier E")
        care = self._rows(page, "o_loop_care")
        self.assertEqual([row[3] for row in care], ["Visit other store"])
        self.assertIn("No feedback recorded.", _text(page))

    def test_many_customers_one_page_each(self):
        html = self._render(self.alice | self.bob, user=self.staff)
        alice, bob = self._page(html, self.alice), self._page(html, self.bob)
        self.assertIn("Customer Archive: Alice Archive", _text(alice))
        self.assertIn("Customer Archive: Bob Second", _text(bob))
        self.assertIn("page-break-before", bob.get("style"))
        self.assertFalse(alice.get("style"))
        self.assertEqual(self._field(bob, "o_loop_spend_total"), "$ 0.00")
        self.assertEqual(self._field(bob, "o_loop_visits"), "0 / 0")
        # never came: no "0 days since the last visit"
        self.assertEqual(self._field(bob, "o_loop_days"), "–")
        self.assertEqual(self._field(bob, "o_loop_interval"), "–")
        self.assertIn("No service recorded yet.", _text(bob))
        self.assertIn("No feedback recorded.", _text(bob))
        self.assertEqual(len(self._rows(alice, "o_loop_care")), 5)

    def test_pdf(self):
        with freeze_time(TODAY):
            pdf, report_type = (
                self.env["ir.actions.report"]
                .with_user(self.staff)
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(REPORT, (self.alice | self.bob).ids)
            )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # at least one page per customer
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)

    # ------------------------------------------------------------------ security
    def test_sensitive_fields_need_the_loop_group(self):
        fields = ("loop_personality", "loop_allergies", "loop_contraindications")
        for field in fields:
            with self.subTest(field=field), self.assertRaises(AccessError):
                self.alice.with_user(self.plain).read([field])
            with self.subTest(field=field), self.assertRaises(AccessError):
                self.alice.with_user(self.plain)[field]  # noqa: B018
        values = self.alice.with_user(self.staff).read(list(fields))[0]
        self.assertEqual(
            [values[field] for field in fields],
            ["Quiet, likes to rest", "Allergic to lanolin", "Pregnant since May"],
        )

    def test_plain_user_prints_without_sensitive_fields(self):
        page = self._page(self._render(self.alice, user=self.plain), self.alice)
        text = _text(page)
        self.assertNotIn("Allergic to lanolin", text)
        self.assertNotIn("Pregnant since May", text)
        self.assertNotIn("Quiet, likes to rest", text)
        self.assertFalse(page.xpath(".//tr[contains(@class, 'o_loop_sensitive')]"))
        # care records and feedback are for loop users only
        self.assertNotIn("Care Archive", text)
        self.assertNotIn("Complaints and Suggestions", text)
        # the rest of the archive prints
        self.assertIn("Architect", text)
        self.assertEqual(self._field(page, "o_loop_spend_total"), "$ 1,700.00")
