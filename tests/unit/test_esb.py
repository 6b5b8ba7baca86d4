"""Bus values without I/O: the envelope's wire form, the retry schedule, the registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendeposit.esb.envelope import Envelope, MalformedEnvelope
from opendeposit.esb.outbox import global_serial
from opendeposit.esb.registry import RECEIPT_ISSUE, UnknownService, default_registry
from opendeposit.esb.store import RetryPolicy


def envelope(**changes: object) -> Envelope:
    values: dict[str, object] = dict(
        message_id="6f1c0f4e-8c1e-4a57-9d3b-0d7f9e7f4b21",
        global_serial="DEPOSIT20250602101530123ABCDEF012345", service_code=RECEIPT_ISSUE,
        source_system="DEPOSIT", target_system="ESIGN",
        created_at=datetime(2025, 6, 2, 2, 15, 30, tzinfo=UTC), trace_id="a" * 32,
        schema_version=1, body={"receipt_kind": "top_up", "amount": 100_010}, attempt=2)
    values.update(changes)
    return Envelope(**values)  # type: ignore[arg-type]


def test_envelope_round_trips_through_bytes() -> None:
    env = envelope()
    assert Envelope.from_bytes(env.to_bytes()) == env


@pytest.mark.parametrize("data", [
    b"", b"{not json", b"[]", b'{"message_id": "x"}',
    envelope(body=[1]).to_bytes(),  # type: ignore[arg-type]
    envelope(message_id="").to_bytes(),
    envelope().to_bytes().replace(b'"schema_version": 1', b'"schema_version": "1"'),
])
def test_unreadable_envelopes_are_refused(data: bytes) -> None:
    with pytest.raises(MalformedEnvelope):
        Envelope.from_bytes(data)


def test_global_serial_is_32_characters_and_starts_with_the_system_code() -> None:
    serial = global_serial(datetime(2025, 6, 2, 10, 15, 30, 123456, tzinfo=UTC))
    assert len(serial) == 32 and serial.startswith("DEPOSIT20250602101530123")


def test_retry_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=8, base=timedelta(seconds=1), cap=timedelta(seconds=10))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_registry_knows_the_receipt_service_and_refuses_unknown_codes() -> None:
    registry = default_registry()
    assert [s.code for s in registry.services] == [RECEIPT_ISSUE]
    assert registry.services[0].queue == "esb.ESIGN.RECEIPT.ISSUE"
    with pytest.raises(UnknownService):
        registry.consumer(RECEIPT_ISSUE)  # nobody attached a consumer yet
    with pytest.raises(UnknownService):
        registry.consume("NO.SUCH.SERVICE", lambda env: None)  # type: ignore[arg-type,return-value]
