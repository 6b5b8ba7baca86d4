"""CPU per receipt of the signature platform in one process, step by step: lay the receipt out
from its prepared template, digest and sign, timestamp (local TSA), patch the CMS in, SM2
co-sign; then verification. CPU time (`time.process_time`) is robust to a loaded machine.

Usage: python bench/esign_throughput.py [-n 200] [--reference] [--pki-dir DIR]

`--reference` also times pyHanko laying out an incremental update of the unsigned file (the
path `ReceiptSigner.sign` keeps for any PDF), for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from opendeposit.esign.cms import PreparedCms
from opendeposit.esign.pdf import Signature
from opendeposit.esign.pki import init_demo_pki, load_signing_identity, load_trust_anchors
from opendeposit.esign.render import layout_receipt, render_receipt
from opendeposit.esign.sign import SIGNATURE_FIELD, ReceiptSigner
from opendeposit.esign.sm2 import sm2_cosign
from opendeposit.esign.templates import ReceiptData, mask_account
from opendeposit.esign.timestamps import load_local_timestamper
from opendeposit.esign.verify import verify_receipt_pdf

BANK = "粤海城市商业银行"
BEIJING = ZoneInfo("Asia/Shanghai")
BUDGET_MS = 6.0  # issue #9: ≤ 6 ms CPU per receipt through the consumer, all included


def receipt(number: int) -> ReceiptData:
    return ReceiptData(
        receipt_no=f"HD20260312{number:08d}", kind="deposit_purchase", bank_name=BANK,
        business_date=dt.date(2026, 3, 12), transaction_serial=f"20260312WX{number:012d}",
        payer_name="张*三", payer_account=mask_account("6228480012345678901"),
        payer_bank=BANK, payee_name="张*三", payee_account=mask_account("6228480012345678901"),
        payee_bank=f"{BANK}（定期存款）", amount=100_000 + number,
        summary="购买三年期整存整取定期存款", verification_code=f"{number % 1_000_000:06d}",
        verify_url=f"https://ebank.example-bank.cn/m/verify?no=HD20260312{number:08d}&code=7K3Q",
        issued_at=dt.datetime.now(BEIJING).replace(microsecond=0), product_name="安享定期 3年期",
        annual_rate=Decimal("1.55"), term_months=36, maturity_date=dt.date(2029, 3, 12),
        certificate_no=f"CD20260312{number:08d}", ledger_entry_hash="9f" * 32)


def timed(samples: dict[str, list[float]], step: str, work: Callable[[], object]) -> object:
    """Run `work`, recording its CPU time (process_time) in ms under `step`."""
    start = time.process_time()
    result = work()
    samples.setdefault(step, []).append((time.process_time() - start) * 1000)
    return result


def _digest_and_sign(cms: PreparedCms, layout) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    attrs = cms.signed_attributes(layout.digest())
    return attrs, cms.raw_signature(attrs)


def run(n: int, identity, stamper, trust, *, verify: bool) -> dict:  # type: ignore[no-untyped-def]
    cms, samples = PreparedCms(identity), {}  # type: ignore[var-annotated]
    wall, signed = time.perf_counter(), b""
    for number in range(n):
        data = receipt(number)
        sig = Signature(SIGNATURE_FIELD, identity.subject_cn, "电子回单签章",
                        dt.datetime.now(BEIJING), 8_192)
        layout = timed(samples, "layout (template + text + QR)",
                       lambda d=data, s=sig: layout_receipt(d, s))
        attrs, signature = timed(samples, "digest + ECDSA",
                                 lambda lo=layout: _digest_and_sign(cms, lo))
        token = timed(samples, "timestamp (local TSA)",
                      lambda s=signature: stamper.token(hashlib.sha256(s).digest()))
        signed = timed(samples, "CMS + patch", lambda lo=layout, a=attrs, s=signature, t=token:
                       lo.finish(cms.assemble(a, s, t)))
        timed(samples, "SM2 co-sign", lambda s=signed: sm2_cosign(s, identity.sm2_private_key))
    pipeline_wall = time.perf_counter() - wall
    if verify:
        for _ in range(min(n, 50)):
            report = timed(samples, "verify (not per receipt)",
                           lambda: verify_receipt_pdf(signed, trust=trust))
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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"nproc={os.cpu_count()} cpu={model!r} python={platform.python_version()} "
            f"({platform.python_implementation()}) load(1 min)={load:.1f}")


def report(title: str, n: int, result: dict) -> None:
    print(f"\n== {title}: {n} receipts, signed PDF {result['size'] / 1024:.0f} KiB")
    print("| step | median ms | p10 | p90 |   (CPU time per receipt)")
    print("|---|---|---|---|")
    total = 0.0
    for step, values in result["samples"].items():
        ordered = sorted(values)
        p10, p90 = ordered[len(ordered) // 10], ordered[(len(ordered) * 9) // 10]
        median = statistics.median(values)
        total += 0.0 if step.startswith("verify") else median
        print(f"| {step} | {median:.2f} | {p10:.2f} | {p90:.2f} |")
    print(f"| **signing total** | **{total:.2f}** | | |")
    if result["wall"] != float("inf"):
        print(f"signing: {n / result['wall']:.0f} receipts/s (wall, one process); budget for "
              f"the whole consumer path {BUDGET_MS} ms, of which signing uses {total:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="receipts to render and sign")
    parser.add_argument("--reference", action="store_true", help="also time pyHanko's layout")
    parser.add_argument("--pki-dir", type=Path, help="reuse a demo PKI directory")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        paths = init_demo_pki(args.pki_dir or Path(tmp), bank_name=BANK)
        identity, trust = load_signing_identity(paths), load_trust_anchors(paths)
        stamper = load_local_timestamper(paths)
        run(5, identity, stamper, trust, verify=False)  # warm-up: font subset, templates
        report("receipt path (prepared template, one revision, prepared CMS)", args.n,
               run(args.n, identity, stamper, trust, verify=True))
        if args.reference:
            signer, samples = ReceiptSigner(identity, stamper), {}  # type: ignore[var-annotated]
            for number in range(args.n):
                pdf = timed(samples, "render (unsigned)", lambda i=number:
                            render_receipt(receipt(i)))
                timed(samples, "pyHanko incremental + CMS", lambda p=pdf: signer.sign(p))
            report("reference: pyHanko lays out an incremental update", args.n,
                   {"samples": samples, "wall": float("inf"), "size": 0})


if __name__ == "__main__":
    main()
