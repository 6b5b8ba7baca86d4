"""`python bench/_profiled.py STATS opendeposit-args...`: the CLI under cProfile, the stats
written to STATS when it stops, and the garbage collector's pauses (count, total, longest per
generation) printed to stderr. uvicorn re-raises SIGTERM after its graceful shutdown with the
handler found before it started: this one ends the process normally, so the stats get written."""

from __future__ import annotations

import cProfile
import gc
import signal
import sys
import time

_gc: dict[int, list[float]] = {}  # generation → [collections, seconds, longest]
_started = [0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    stat = _gc.setdefault(info["generation"], [0, 0.0, 0.0])
    stat[0] += 1
    stat[1] += took
    stat[2] = max(stat[2], took)


def _stop(*_args: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    out, sys.argv = sys.argv[1], ["opendeposit", *sys.argv[2:]]
    from opendeposit.cli import main

    gc.callbacks.append(_on_gc)
    prof = cProfile.Profile()
    prof.enable()
    try:
        main()
    except SystemExit:
        pass
    finally:
        prof.disable()
        prof.dump_stats(out)
        for gen, (n, total, longest) in sorted(_gc.items()):
            print(f"gc generation {gen}: {int(n)} collections, {total * 1000:.0f} ms in all, "
                  f"longest {longest * 1000:.1f} ms", file=sys.stderr)
