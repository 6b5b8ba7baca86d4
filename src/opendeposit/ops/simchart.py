"""The simulated day's chart as a self-contained SVG (no plotting dependency): confirmed moves
per simulated hour (bars) over receipt lag (line), with each fault marked where it happened."""

from __future__ import annotations

from html import escape
from typing import Any

W, H = 900, 520
LEFT, RIGHT = 70, 20
TOP_PANEL = (50, 230)  # y from, y to
LAG_PANEL = (290, 470)
SHORT = {"api_worker_kill": "kill API worker", "relay_kill": "kill relay",
         "signer_kill": "kill signer", "broker_cut": "broker cut", "db_cut": "database cut"}


def _nice(top: float) -> float:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000):
        if top <= step:
            return float(step)
    return top


def svg(report: dict[str, Any]) -> str:
    day = float(report["day_seconds"])
    span = max(day, *(s[0] for s in report["receipt_lag"]["samples"]), 1.0)
    plot_w = W - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * min(max(t, 0.0), span) / span

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">Simulated day: '
           f'{report["customers"]} customers, seed {report["seed"]}, '
           f'{"faults on" if report["faults_on"] else "no faults"}, '
           f'{day:.0f} s day</text>']
    bars = report["throughput"]
    peak = _nice(max((b["per_minute"] for b in bars), default=1.0) or 1.0)
    y0, y1 = TOP_PANEL
    out.append(_axis(y0, y1, peak, "confirmed moves / min"))
    for b in bars:
        left, right = x(b["t"]), x(b["t"] + day / 24)
        height = (y1 - y0) * b["per_minute"] / peak
        out.append(f'<rect x="{left + 1:.1f}" y="{y1 - height:.1f}" '
                   f'width="{max(0.5, right - left - 2):.1f}" height="{height:.1f}" '
                   f'fill="#4c78a8"/>')
    samples = report["receipt_lag"]["samples"]
    top = _nice(max((s[2] for s in samples), default=1.0) or 1.0)
    y0, y1 = LAG_PANEL
    out.append(_axis(y0, y1, top, "receipt lag s (oldest unsigned)"))
    if samples:
        points = " ".join(f"{x(t):.1f},{y1 - (y1 - y0) * lag / top:.1f}"
                          for t, _, lag in samples)
        out.append(f'<polyline points="{points}" fill="none" stroke="#e45756" '
                   f'stroke-width="1.5"/>')
    for i, f in enumerate(report["faults"]):
        start, end = x(f["at"]), x(max(f["end"], f["at"]))
        if end - start > 1:
            out.append(f'<rect x="{start:.1f}" y="{TOP_PANEL[0]}" width="{end - start:.1f}" '
                       f'height="{LAG_PANEL[1] - TOP_PANEL[0]}" fill="#f58518" '
                       f'fill-opacity="0.15"/>')
        out.append(f'<line x1="{start:.1f}" x2="{start:.1f}" y1="{TOP_PANEL[0]}" '
                   f'y2="{LAG_PANEL[1]}" stroke="#f58518" stroke-dasharray="4 3"/>')
        label = SHORT.get(f["kind"], f["kind"])
        rec = f.get("recovery_seconds")
        label += f" ({rec:g} s)" if rec is not None else " (not recovered)"
        out.append(f'<text x="{start + 3:.1f}" y="{TOP_PANEL[0] + 12 * i + 8}" '
                   f'font-size="10" fill="#b35806">{escape(label)}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        t = span * frac
        out.append(f'<text x="{x(t):.1f}" y="{LAG_PANEL[1] + 16}" '
                   f'text-anchor="middle">{t:.0f}</text>')
    out.append(f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle">seconds since the day '
               f'began (the day closes at {day:.0f} s; EOD and the receipt drain follow)</text>')
    out.append("</svg>")
    return "\n".join(out)


def _axis(y0: float, y1: float, top: float, label: str) -> str:
    parts = [f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y1}" y2="{y1}" stroke="#333"/>',
             f'<line x1="{LEFT}" x2="{LEFT}" y1="{y0}" y2="{y1}" stroke="#333"/>',
             f'<text x="{LEFT - 6}" y="{y0 + 4}" text-anchor="end">{top:g}</text>',
             f'<text x="{LEFT - 6}" y="{y1 + 4}" text-anchor="end">0</text>',
             f'<text x="16" y="{(y0 + y1) / 2}" transform="rotate(-90 16 {(y0 + y1) / 2})" '
             f'text-anchor="middle">{escape(label)}</text>']
    return "\n".join(parts)
