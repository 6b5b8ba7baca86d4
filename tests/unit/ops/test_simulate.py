"""The simulator's parts that need no server: the seeded plans, the cuttable TCP proxy, the
recovery arithmetic and the chart."""

from __future__ import annotations

import asyncio
import itertools
import xml.etree.ElementTree as ET

import pytest

from opendeposit.ops import simulate as sim
from opendeposit.ops.simchart import svg
from opendeposit.ops.tcpproxy import Proxy


def test_the_same_seed_plays_the_same_day_and_another_seed_another() -> None:
    a, b, c = sim.plan_day(50, 7), sim.plan_day(50, 7), sim.plan_day(50, 8)
    assert a == b
    assert a != c
    assert len({p.phone for p in a}) == 50 and len({p.card for p in a}) == 50
    for plan in a:
        assert plan.ops[0].kind == "top_up"  # the day's money arrives before it is spent
        assert [op.at for op in plan.ops] == sorted(op.at for op in plan.ops)
        assert all(0 <= op.at <= 0.95 and op.amount % 100 == 0 for op in plan.ops)
        assert all(isinstance(op.amount, int) for op in plan.ops)
        assert all(op.product in sim.DAY_PRODUCTS for op in plan.ops if op.kind == "purchase")
    assert any(p.maturing for p in a) and any(not p.maturing for p in a)


@pytest.mark.parametrize("day_seconds", [30.0, 60.0, 600.0])
def test_each_fault_once_inside_the_day_without_overlap(day_seconds: float) -> None:
    faults = sim.plan_faults(3, day_seconds)
    assert sorted(f.kind for f in faults) == sorted(sim.FAULTS)
    assert faults == sim.plan_faults(3, day_seconds)
    for f, nxt in itertools.pairwise(faults):
        assert f.at + f.seconds / day_seconds < nxt.at
    assert faults[-1].at + faults[-1].seconds / day_seconds < 0.95
    cut = next(f for f in faults if f.kind == "broker_cut")
    assert cut.seconds == max(3.0, 60.0 * day_seconds / 600)  # 60 s in a 10-minute day


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def _roundtrip(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping")
    await writer.drain()
    data = await asyncio.wait_for(reader.read(4), 5)
    writer.close()
    return data


async def test_the_proxy_passes_bytes_cuts_every_link_and_resumes() -> None:
    upstream = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = Proxy("127.0.0.1", upstream.sockets[0].getsockname()[1])
    front = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = front.sockets[0].getsockname()[1]
    async with upstream, front:
        assert await _roundtrip(port) == b"ping"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"x")
        assert await asyncio.wait_for(reader.read(1), 5) == b"x"
        proxy.do_cut()
        with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
            got = await asyncio.wait_for(reader.read(1), 5)
            if not got:  # an orderly close reads as end of stream
                raise asyncio.IncompleteReadError(b"", 1)
        with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
            got = await _roundtrip(port)
            if not got:
                raise asyncio.IncompleteReadError(b"", 4)
        proxy.do_resume()
        assert await _roundtrip(port) == b"ping"


def _simulation(faults: list[sim.FaultRecord]) -> sim.Simulation:
    s = sim.Simulation(sim.Options(minutes=1.0))
    s.faults = faults
    return s


def test_recovery_waits_for_a_confirmed_move_and_the_receipt_lag() -> None:
    cut = sim.FaultRecord("broker_cut", at=10.0, end=16.0)
    kill = sim.FaultRecord("relay_kill", at=40.0, end=40.0, replaced=41.5)
    s = _simulation([cut, kill])
    s.samples = [(t, 0, 0.5) for t in range(0, 10)] + [(t, 5, t - 9.0) for t in range(10, 18)] \
        + [(t, 0, 0.0) for t in range(18, 60)]
    s.stats.done = [(5.0, "top_up", True), (12.0, "purchase", True), (17.0, "purchase", True),
                    (41.0, "purchase", True), (43.0, "top_up", True)]
    s.stats.errors = [(11.0, "ConnectError"), (13.0, "http_503"), (40.5, "ReadError")]
    s._recovery()
    assert cut.recovery_seconds == 2.0  # lag back under its level at 18 s
    assert cut.errors == 2
    assert kill.recovery_seconds == 2.0  # replaced at 41.5; the next lag sample is at 42
    assert kill.errors == 1


def test_a_fault_never_recovered_says_so() -> None:
    kill = sim.FaultRecord("signer_kill", at=10.0, end=10.0, replaced=None)
    s = _simulation([kill])
    s.samples = [(t, 0, 0.0) for t in range(30)]
    s.stats.done = [(20.0, "top_up", True)]
    s._recovery()
    assert kill.recovery_seconds is None and "not recovered" in kill.note


def test_the_chart_marks_every_fault_and_is_valid_svg() -> None:
    report = {"day_seconds": 60.0, "customers": 20, "seed": 1, "faults_on": True,
              "throughput": [{"t": i * 2.5, "per_minute": 10.0 * i} for i in range(25)],
              "receipt_lag": {"samples": [[t, 0, t % 7] for t in range(70)]},
              "faults": [{"kind": k, "at": 5.0 + 10 * i, "end": 8.0 + 10 * i,
                          "recovery_seconds": 1.5} for i, k in enumerate(sim.FAULTS)]}
    root = ET.fromstring(svg(report))
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for label in ("kill API worker", "kill relay", "kill signer", "broker cut", "database cut"):
        assert f"{label} (1.5 s)" in texts
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline"))) == 1


def test_cut_lengths_can_be_given_instead_of_scaled() -> None:
    faults = {f.kind: f for f in sim.plan_faults(3, 60.0, broker_cut=150.0, db_cut=30.0)}
    assert faults["broker_cut"].seconds == 150.0 and faults["db_cut"].seconds == 30.0
    assert [f.at for f in sim.plan_faults(3, 60.0)] == [
        f.at for f in sim.plan_faults(3, 60.0, broker_cut=150.0)]  # same moments
