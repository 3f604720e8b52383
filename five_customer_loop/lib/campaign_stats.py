"""The statistics of a campaign's lift: treated against holdout, pure Python.

- a share (who paid a visit in the window): the difference of two proportions
  with the normal approximation's 95 % interval (unpooled standard error);
- a mean (revenue per customer): the difference of two means with Welch's
  95 % interval (Student's t with the Welch–Satterthwaite degrees of
  freedom), from each group's count, sum and sum of squares.

No lift is shown below ``MIN_GROUP`` customers in either group.
"""

import hashlib
import math
from statistics import NormalDist

MIN_GROUP = 30
CONFIDENCE = 0.95
_Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def holdout_draw(seed, partner_id):
    """The customer's reproducible draw in [0, 1): the first 32 bits of the MD5
    of ``"<seed>:<partner_id>"`` (the SQL of the enrolment computes the same)."""
    digest = hashlib.md5(f"{seed}:{partner_id}".encode(), usedforsecurity=False)
    return int(digest.hexdigest()[:8], 16) / 2**32


def proportion_lift(hits1, n1, hits0, n0):
    """``(difference, low, high)`` of the shares ``hits1 / n1 - hits0 / n0``."""
    p1, p0 = hits1 / n1, hits0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    diff = p1 - p0
    return diff, diff - _Z * se, diff + _Z * se


def mean_lift(group1, group0):
    """``(difference, low, high)`` of two means, Welch's interval.

    Each group is ``(n, sum, sum of squares)``.
    """
    (n1, s1, q1), (n0, s0, q0) = group1, group0
    m1, m0 = s1 / n1, s0 / n0
    v1 = max(q1 - s1 * s1 / n1, 0.0) / (n1 - 1)
    v0 = max(q0 - s0 * s0 / n0, 0.0) / (n0 - 1)
    a1, a0 = v1 / n1, v0 / n0
    diff = m1 - m0
    se = math.sqrt(a1 + a0)
    if not se:
        return diff, diff, diff
    df = (a1 + a0) ** 2 / (a1 * a1 / (n1 - 1) + a0 * a0 / (n0 - 1))
    t = t_quantile(0.5 + CONFIDENCE / 2, df)
    return diff, diff - t * se, diff + t * se


def t_quantile(p, df):
    """The ``p`` quantile (p > 0.5) of Student's t with ``df`` degrees of freedom,
    by bisection on its distribution function."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _step in range(100):
        mid = (low + high) / 2
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def t_cdf(t, df):
    """Student's t distribution function at ``t`` >= 0."""
    x = df / (df + t * t)
    return 1 - 0.5 * _incomplete_beta(df / 2, 0.5, x)


def _incomplete_beta(a, b, x):
    """The regularised incomplete beta function I_x(a, b) (continued fraction)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b)
        - math.lgamma(a)
        - math.lgamma(b)
        + a * math.log(x)
        + b * math.log(1 - x)
    )
    if x > (a + 1) / (a + b + 2):
        return 1 - _incomplete_beta(b, a, 1 - x)
    return math.exp(log_front) * _beta_fraction(a, b, x) / a


def _beta_fraction(a, b, x):
    """Lentz's evaluation of the incomplete beta's continued fraction."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return result
