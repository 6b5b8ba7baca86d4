"""Receipts per second of the signature platform in one process: render, sign, co-sign, verify.

Usage: python bench/esign_throughput.py [-n 200] [--reference] [--pki-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from opendeposit.esign.pki import init_demo_pki, load_signing_identity, load_trust_anchors
from opendeposit.esign.render import render_receipt
from opendeposit.esign.sign import ReceiptSigner
from opendeposit.esign.sm2 import sm2_cosign
from opendeposit.esign.templates import ReceiptData, mask_account
from opendeposit.esign.timestamps import load_local_timestamper
from opendeposit.esign.verify import verify_receipt_pdf

BANK = "粤海城市商业银行"


def receipt(number: int) -> ReceiptData:
    return ReceiptData(
        receipt_no=f"HD20260312{number:08d}",
        kind="deposit_purchase",
        bank_name=BANK,
        business_date=dt.date(2026, 3, 12),
        transaction_serial=f"TS20260312{number:08d}",
        payer_name="张*三",
        payer_account=mask_account("6228480012345678901"),
        payer_bank=f"{BANK}广州天河支行",
        payee_name="张*三",
        payee_account=mask_account("6230580000123456"),
        payee_bank=f"{BANK}（定期存款）",
        amount=100_000 + number,
        summary="购买三年期整存整取定期存款",
        verification_code=f"{number % 1_000_000:06d}",
        verify_url=f"https://ebank.example-bank.cn/verify?r=HD20260312{number:08d}",
        issued_at=dt.datetime.now(ZoneInfo("Asia/Shanghai")),
        product_name="安享定期 3年期",
        annual_rate=Decimal("1.55"),
        term_months=36,
        maturity_date=dt.date(2029, 3, 12),
    )


def timed(samples: dict[str, list[float]], step: str, work: Callable[[], object]) -> object:
    """Run `work`, recording its CPU time (process_time) in ms under `step`."""
    start = time.process_time()
    result = work()
    samples.setdefault(step, []).append((time.process_time() - start) * 1000)
    return result


def run(n: int, signer: ReceiptSigner, identity, trust, *, verify: bool) -> dict:
    samples: dict[str, list[float]] = {}
    wall = time.perf_counter()
    signed = b""
    for number in range(n):
        data = receipt(number)
        pdf = timed(samples, "render", lambda d=data: render_receipt(d))
        signed = timed(samples, "sign (PAdES B-T)", lambda p=pdf: signer.sign(p))
        timed(samples, "sm2 co-sign", lambda s=signed: sm2_cosign(s, identity.sm2_private_key))
    pipeline_wall = time.perf_counter() - wall
    if verify:
        for _ in range(min(n, 100)):
            report = timed(samples, "verify", lambda: verify_receipt_pdf(signed, trust=trust))
            assert report.genuine, report.problems
    return {"samples": samples, "wall": pipeline_wall, "size": len(signed)}


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"nproc={os.cpu_count()} cpu={model!r} python={platform.python_version()} "
        f"({platform.python_implementation()}) {platform.system()} {platform.machine()}"
    )


def report(title: str, n: int, result: dict) -> None:
    print(f"\n== {title}: {n} receipts, signed PDF {result['size'] / 1024:.0f} KiB")
    print(f"{'step':<20}{'median ms':>11}{'p10':>8}{'p90':>8}   (CPU time per receipt)")
    for step, values in result["samples"].items():
        ordered = sorted(values)
        p10, p90 = ordered[len(ordered) // 10], ordered[(len(ordered) * 9) // 10]
        print(f"{step:<20}{statistics.median(values):>11.1f}{p10:>8.1f}{p90:>8.1f}")
    rate = n / result["wall"]
    print(f"render+sign+sm2 pipeline: {rate:.1f} receipts/s (wall, one process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="receipts to render and sign")
    parser.add_argument("--reference", action="store_true", help="also time pyHanko's own path")
    parser.add_argument("--pki-dir", type=Path, help="reuse a demo PKI directory")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        paths = init_demo_pki(args.pki_dir or Path(tmp), bank_name=BANK)
        identity, trust = load_signing_identity(paths), load_trust_anchors(paths)
        timestamper = load_local_timestamper(paths)
        signer = ReceiptSigner(identity, timestamper)
        run(5, signer, identity, trust, verify=False)  # warm-up: font registration, caches
        report("prepared CMS (default)", args.n, run(args.n, signer, identity, trust, verify=True))
        if args.reference:
            reference = ReceiptSigner(identity, timestamper, prepared=False)
            result = run(args.n, reference, identity, trust, verify=False)
            report("pyHanko signing path (cached key, fixed bytes_reserved)", args.n, result)


if __name__ == "__main__":
    main()
