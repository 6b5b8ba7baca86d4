"""bench/_common.py: wrk output parsed from its latency distribution (a "+/- Stdev" of 87.50%
is not a p50), and the purchase ceiling found relative to the repository."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "bench_common", Path(__file__).resolve().parents[2] / "bench" / "_common.py")
assert _SPEC is not None and _SPEC.loader is not None
common = importlib.util.module_from_spec(_SPEC)
sys.modules["bench_common"] = common  # dataclasses look their module up
_SPEC.loader.exec_module(common)

WRK = """Running 20s test @ http://127.0.0.1:18766/api/v1/deposits
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.61ms    4.02ms  61.50ms   87.50%
    Req/Sec     1.28k   110.33     1.50k    68.50%
  Latency Distribution
     50%   11.92ms
     75%   14.10ms
     90%   17.33ms
     99%    1.02s
  51040 requests in 20.01s, 21.37MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2550.71
Transfer/sec:      1.07MB
"""


def test_percentiles_come_from_the_distribution_not_the_stdev_column() -> None:
    result = common.parse_wrk(WRK)
    assert result.p50_ms == pytest.approx(11.92) and result.p99_ms == pytest.approx(1020.0)
    assert (result.rps, result.requests, result.non_2xx) == (2550.71, 51040, 3)


@pytest.mark.parametrize("unit,ms", [("us", 0.85), ("ms", 850.0), ("s", 850_000.0)])
def test_units(unit: str, ms: float) -> None:
    out = WRK.replace("11.92ms", f"850.00{unit}")
    assert common.parse_wrk(out).p50_ms == pytest.approx(ms)


def test_output_without_a_distribution_is_an_error_not_a_guess() -> None:
    without = WRK.split("  Latency Distribution")[0] + "  51040 requests in 20.01s\n" \
        "Requests/sec:   2550.71\n"
    with pytest.raises(ValueError):
        common.parse_wrk(without)


def test_ceiling_script_beside_the_repository(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(common.CEILING_ENV, raising=False)
    script = tmp_path / "shared/bench/purchase-ceiling/run.sh"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    assert common.ceiling_script(tmp_path / "main") == script  # <repo>/../shared/...
    assert common.ceiling_script(tmp_path / "wt" / "esign") == script  # a worktree deeper
    monkeypatch.setenv(common.CEILING_ENV, "/elsewhere/run.sh")
    assert common.ceiling_script(tmp_path / "main") == Path("/elsewhere/run.sh")
