"""Products: time deposits and large CDs, rates and ceilings, quotas and eligibility."""
