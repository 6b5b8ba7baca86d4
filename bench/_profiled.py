"""`python bench/_profiled.py STATS opendeposit-args...`: the CLI under cProfile, the stats
written to STATS when it stops. uvicorn re-raises SIGTERM after its graceful shutdown with the
handler found before it started: this one ends the process normally, so the stats get written."""

from __future__ import annotations

import cProfile
import signal
import sys


def _stop(*_args: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    out, sys.argv = sys.argv[1], ["opendeposit", *sys.argv[2:]]
    from opendeposit.cli import main

    prof = cProfile.Profile()
    prof.enable()
    try:
        main()
    except SystemExit:
        pass
    finally:
        prof.disable()
        prof.dump_stats(out)
