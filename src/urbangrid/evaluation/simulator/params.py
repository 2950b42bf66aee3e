"""Fitted parameters of the simulator, stored as numbers.

Produced by ``bench/fit_simulator_params.py`` from the real data in ../shared (method in
docs/evaluation.md); the data itself is not in the repository and is not read at run time.

- Handling-time *shapes* come from 9,825 closed Los Angeles 311 requests (January 2020),
  grouped into four profiles; each profile is an empirical quantile function of
  ln(hours from creation to closure) at 5 % steps (closures at or before creation clamped
  to 3 minutes). The simulator keeps the shape and rescales it to the category's time limit.
- Citizen reply lags come from 2,816 replied messages of the 2020 TipDM Cup attachment 4
  (a Chinese government message board), same representation.
- The hour-of-day and weekday profile of citizen reports comes from the same messages.
"""

from __future__ import annotations

QUANTILE_STEP = 0.05  # the tables below are at 0, 5 %, …, 100 %

HANDLING_LOG_HOURS: dict[str, tuple[float, ...]] = {
    # Graffiti: most LA requests are closed within minutes (crews clear on sight).
    "advertising": (-2.9957, -2.9957, -2.9957, -2.9957, -2.9957, -2.9957, -2.9957, -2.7081,
                    -2.7081, -2.4849, -2.4849, -2.3026, -2.0149, 2.5001, 3.0453, 3.3328,
                    4.2968, 4.7334, 5.0228, 5.7569, 8.37),
    # Streetlights.
    "facility": (1.544, 2.3346, 4.1485, 4.3978, 4.4826, 4.6794, 4.8531, 4.8985, 5.0144,
                 5.1962, 5.6573, 5.7698, 6.1103, 6.4168, 6.5391, 6.8409, 6.9228, 7.3123,
                 7.5082, 7.8433, 8.539),
    # Bulky items, illegal dumping, e-waste, appliances, animal remains.
    "sanitation": (-2.9957, 0.411, 2.8764, 3.0661, 3.1781, 3.2734, 3.4367, 3.7249, 3.8126,
                   3.8812, 3.9911, 4.2813, 4.4914, 4.5673, 4.626, 4.77, 4.8092, 4.9183,
                   4.9689, 5.0044, 8.3432),
    # Homeless encampments → street order.
    "street_order": (-2.9957, 3.2682, 3.8098, 4.2009, 4.5373, 4.7799, 4.9228, 4.9733, 5.25,
                     5.7409, 6.1141, 6.1531, 6.2229, 6.6482, 6.9609, 7.1601, 7.7442, 7.8298,
                     8.0338, 8.3212, 8.4095),
}  # fmt: skip

# Lognormal summary (mean, sd of ln hours) of the same samples, for the docs and reports.
HANDLING_LOGNORMAL: dict[str, tuple[float, float]] = {
    "advertising": (-0.09, 3.4783),
    "facility": (5.6006, 1.5178),
    "sanitation": (3.7701, 1.6701),
    "street_order": (5.8575, 1.7636),
}
HANDLING_SAMPLE_SIZES = {
    "advertising": 2623,
    "facility": 116,
    "sanitation": 6691,
    "street_order": 395,
}

REPLY_LOG_HOURS: tuple[float, ...] = (
    -0.6641, 3.206, 3.8013, 4.2414, 4.5253, 4.7485, 4.941, 5.12, 5.2604, 5.454, 5.5947,
    5.7402, 5.8595, 5.9949, 6.1261, 6.2822, 6.4367, 6.6435, 6.8906, 7.3884, 10.2346,
)  # fmt: skip
REPLY_LOGNORMAL = (5.4579, 1.2854)
REPLY_SAMPLE_SIZE = 2816

PUBLIC_HOUR_SHARES: tuple[float, ...] = (
    0.0188, 0.0114, 0.0021, 0.0025, 0.0007, 0.0039, 0.006, 0.0146, 0.043, 0.0604, 0.1009,
    0.0945, 0.0504, 0.055, 0.0735, 0.0909, 0.076, 0.0607, 0.0444, 0.0408, 0.0337, 0.043,
    0.044, 0.0288,
)  # fmt: skip
PUBLIC_WEEKDAY_SHARES: tuple[float, ...] = (0.1673, 0.1875, 0.1793, 0.1545, 0.1385, 0.0852, 0.0877)
