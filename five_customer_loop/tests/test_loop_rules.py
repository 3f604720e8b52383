from datetime import date

from odoo.tests import BaseCase

from ..lib import loop_rules as r


class TestLoopRules(BaseCase):
    def test_tier_boundaries(self):
        bands = [
            (1, 100000.0),
            (2, 50000.0),
            (3, 30000.0),
            (4, 10000.0),
            (5, 5000.0),
            (6, 0.0),
        ]
        self.assertEqual(r.tier_for_spend(100000.0, bands), 1)
        self.assertEqual(r.tier_for_spend(99999.99, bands), 2)
        self.assertEqual(r.tier_for_spend(50000.0, bands), 2)
        self.assertEqual(r.tier_for_spend(4999.99, bands), 6)
        self.assertEqual(r.tier_for_spend(0.0, bands), 6)
        self.assertFalse(r.tier_for_spend(-10.0, bands))

    def test_overlapping_minimums(self):
        self.assertEqual(r.check_tier_minimums([0, 5000, 5000.001, 10]), [5000.0])
        self.assertEqual(r.check_tier_minimums([0, 5000, 10000]), [])

    def test_segments(self):
        self.assertEqual(r.segment_for(0, 0, 0.0, 100, 3), r.SEGMENT_NEW)
        self.assertEqual(r.segment_for(5, 3, 100.0, 100, 3), r.SEGMENT_BIG)
        self.assertEqual(r.segment_for(5, 2, 100.0, 100, 3), r.SEGMENT_POTENTIAL)
        self.assertEqual(r.segment_for(5, 3, 99.0, 100, 3), r.SEGMENT_LOYAL)
        self.assertEqual(r.segment_for(1, 0, 99.0, 100, 3), r.SEGMENT_OCCASIONAL)

    def test_median(self):
        self.assertEqual(r.median([]), 0.0)
        self.assertEqual(r.median([3, 1, 2]), 2.0)
        self.assertEqual(r.median([4, 1, 2, 3]), 2.5)

    def test_health(self):
        # never visited
        self.assertEqual(r.health_for(None, 0, 60, 2.0, 180), r.HEALTH_NONE)
        # at risk after max(60, 2 x 40) = 80 days
        self.assertEqual(r.health_for(80, 40, 60, 2.0, 180), r.HEALTH_GOOD)
        self.assertEqual(r.health_for(81, 40, 60, 2.0, 180), r.HEALTH_AT_RISK)
        # short interval: the 60-day floor applies
        self.assertEqual(r.health_for(60, 10, 60, 2.0, 180), r.HEALTH_GOOD)
        self.assertEqual(r.health_for(61, 10, 60, 2.0, 180), r.HEALTH_AT_RISK)
        self.assertEqual(r.health_for(180, 10, 60, 2.0, 180), r.HEALTH_AT_RISK)
        self.assertEqual(r.health_for(181, 10, 60, 2.0, 180), r.HEALTH_LOST)

    def test_intervals(self):
        self.assertEqual(
            r.average_interval(date(2026, 1, 1), date(2026, 1, 31), 4), 10.0
        )
        self.assertEqual(r.average_interval(date(2026, 1, 1), date(2026, 1, 1), 1), 0.0)
        self.assertEqual(r.next_visit(date(2026, 1, 31), 10.0), date(2026, 2, 10))
        self.assertIsNone(r.next_visit(date(2026, 1, 31), 0.0))

    def test_window_start(self):
        self.assertEqual(r.window_start(date(2026, 11, 23)), date(2025, 11, 24))
        # 29 February has no twin a year earlier
        self.assertEqual(r.window_start(date(2028, 2, 29)), date(2027, 3, 1))
        self.assertEqual(r.window_start(date(2026, 3, 31), months=1), date(2026, 3, 1))
