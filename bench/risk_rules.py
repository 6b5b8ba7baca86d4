"""Measure the risk rules on the generated scenario set and write the tables into
docs/risk.md (between the measurement markers): precision and recall per rule and overall,
recall per fraud pattern, and how many good customers were stepped up.

    .venv/bin/python bench/risk_rules.py [--customers 3000] [--months 6] [--seed 7]
                                        [--fraud-percent 4] [--no-write]

Pure computation (no database): the same evaluator and history updates the service uses.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from opendeposit.risk import measure, scenarios
from opendeposit.risk.rules import default_rules

DOC = Path(__file__).resolve().parent.parent / "docs" / "risk.md"
BEGIN, END = "<!-- measurement:begin -->", "<!-- measurement:end -->"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=3000)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fraud-percent", type=int, default=4)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    t0 = time.process_time()
    s = scenarios.generate(seed=args.seed, customers=args.customers, months=args.months,
                           fraud_share_percent=args.fraud_percent)
    t1 = time.process_time()
    results = measure.run(s, default_rules())
    t2 = time.process_time()
    per_event = 1e6 * (t2 - t1) / max(1, len(s.events))
    head = (f"Scenario set: seed {args.seed}, {args.customers:,} customers over {args.months} "
            f"months, {args.fraud_percent} % of them with a fraud pattern; "
            f"{len(s.events):,} events (generated in {t1 - t0:.1f} s CPU). Pure evaluation: "
            f"{per_event:.0f} µs CPU per event (all rules, default versions).")
    text = f"{BEGIN}\n{head}\n\n{measure.report(results)}\n{END}"
    print(text)
    if not args.no_write:
        doc = DOC.read_text()
        DOC.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, doc,
                              flags=re.S))


if __name__ == "__main__":
    main()
