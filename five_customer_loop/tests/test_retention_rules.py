from datetime import date

from odoo.tests import BaseCase

from ..lib import retention_rules as rules


class TestRetentionRules(BaseCase):
    def test_month_windows(self):
        # March 2026: the month is [1 Mar, 1 Apr); active at start with a visit
        # in [1 Mar 2025, 1 Mar 2026), at end with one in [1 Apr 2025, 1 Apr 2026)
        self.assertEqual(
            rules.month_windows(date(2026, 3, 17)),
            (date(2026, 3, 1), date(2026, 4, 1), date(2025, 3, 1), date(2025, 4, 1)),
        )
        self.assertEqual(rules.add_months(date(2026, 1, 31), -1), date(2025, 12, 1))
        self.assertEqual(
            rules.months_between(date(2025, 11, 30), date(2026, 2, 2)),
            [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)],
        )

    def test_snapshot_rates(self):
        # 4 active at start, 3 retained, 5 kept, 3,500 spent by 4 visitors
        self.assertEqual(
            rules.snapshot_rates(4, 3, 5, 3500.0, 4),
            {
                "retention_rate": 75.0,  # 3 / 4
                "churn_rate": 25.0,  # 100 - 75
                "growth_rate": 25.0,  # (5 - 4) / 4
                "spend_per_capita": 875.0,  # 3,500 / 4
            },
        )
        # nobody active at the start: no rate, not a 100 % churn
        self.assertEqual(
            rules.snapshot_rates(0, 0, 1, 400.0, 1),
            {
                "retention_rate": 0.0,
                "churn_rate": 0.0,
                "growth_rate": 0.0,
                "spend_per_capita": 400.0,
            },
        )
        self.assertEqual(rules.share(1000.0, 3500.0), 28.57)
        self.assertEqual(rules.share(1000.0, 0.0), 0.0)

    def test_solar_birthday(self):
        birthday = date(1990, 5, 10)
        self.assertEqual(
            rules.next_birthday(date(2026, 5, 10), birthday),
            birthday.replace(year=2026),
        )
        self.assertEqual(
            rules.next_birthday(date(2026, 5, 11), birthday), date(2027, 5, 10)
        )
        # born on 29 February: 28 February in other years
        self.assertEqual(
            rules.next_birthday(date(2027, 1, 1), date(1992, 2, 29)), date(2027, 2, 28)
        )
        self.assertEqual(
            rules.next_birthday(date(2028, 1, 1), date(1992, 2, 29)), date(2028, 2, 29)
        )
        # reminded from 7 days before up to the day itself
        self.assertIsNone(rules.birthday_due(date(2026, 5, 2), 7, birthday))
        self.assertEqual(
            rules.birthday_due(date(2026, 5, 3), 7, birthday), date(2026, 5, 10)
        )
        self.assertEqual(
            rules.birthday_due(date(2026, 5, 10), 7, birthday), date(2026, 5, 10)
        )
        self.assertIsNone(rules.next_birthday(date(2026, 5, 10)))

    def test_lunar_birthday(self):
        # Chinese New Year (正月初一): 29 Jan 2025, 17 Feb 2026, 6 Feb 2027
        self.assertEqual(rules.lunar_birthday_in(2025, 1, 1), date(2025, 1, 29))
        self.assertEqual(rules.lunar_birthday_in(2026, 1, 1), date(2026, 2, 17))
        self.assertEqual(
            rules.next_birthday(date(2026, 2, 18), None, 1, 1), date(2027, 2, 6)
        )
        # the 12th month of lunar 2026 has 29 days: a 30th falls on the 29th, the
        # eve of the 2027 New Year
        self.assertEqual(rules.lunar_birthday_in(2026, 12, 30), date(2027, 2, 5))
        # a lunar birthday in January is found in the previous lunar year
        self.assertEqual(
            rules.next_birthday(date(2027, 1, 1), None, 12, 30), date(2027, 2, 5)
        )
        # lunar 2025 has a leap 6th month: the birthday stays in the regular one
        self.assertEqual(rules.lunar_birthday_in(2025, 6, 10), date(2025, 7, 4))
        # Mid-Autumn (八月十五) 2026: 25 September; the lunar date wins over the solar
        self.assertEqual(
            rules.birthday_due(date(2026, 9, 18), 7, date(1990, 1, 1), 8, 15),
            date(2026, 9, 25),
        )
