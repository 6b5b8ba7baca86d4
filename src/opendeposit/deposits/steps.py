"""The deposits context's end-of-day steps, in the order EOD runs them around reconciliation."""

from __future__ import annotations

from opendeposit.deposits import demand
from opendeposit.deposits.eod import MATURITY_STEP, day_report, mature_holdings

# Maturity first, so that payouts are in the day's closing balance; the credit of settled
# demand interest before the day's accrual, so that credited interest earns from the 21st.
BEFORE_RECONCILE = [
    (MATURITY_STEP, mature_holdings),
    ("demand_interest_credit", demand.credit),
    ("demand_accrual", demand.accrue),
    ("demand_interest_settlement", demand.settle),
]
AFTER_RECONCILE = [("day_report", day_report)]
