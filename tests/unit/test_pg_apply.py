"""PostgreSQL's plan compiler encodes an insert's rows by column: plain columns are passed on
as they are, dates as ISO text, Refs and documents as `od_resolve()` reads them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from opendeposit.db.pg_apply import compile_plan
from opendeposit.writeplan import Doc, Insert, Plan, Post

NOW = datetime(2025, 9, 2, 8, 30, tzinfo=UTC)


def _post() -> Post:
    from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry

    entry = JournalEntry.transfer(kind="top_up", business_date=date(2025, 9, 2),
                                  description="t", debit=BANK_SETTLEMENT,
                                  credit="2011-000000000001", amount=100, reference="R1")
    return Post(1, (entry,), name="c1")


def test_rows_are_encoded_by_column_with_refs_docs_and_dates() -> None:
    post = _post()
    h = post.hash(0)
    rows = ({"a": 1, "d": date(2025, 9, 2), "t": NOW, "r": h, "doc": Doc({"x": h, "y": "é"})},
            {"a": 2, "d": None, "t": NOW, "r": "plain", "doc": Doc({"x": 1})},
            {"a": 3, "t": NOW})  # a row without some columns: they are not sent
    compiled = compile_plan(Plan((post, Insert("t", rows)), NOW))
    sql, arg = compiled.sqls[1], json.loads(compiled.args[1])
    assert "od_resolve" in sql  # some value is put in by the database
    assert arg == [
        {"a": 1, "d": "2025-09-02", "t": NOW.isoformat(), "r": {"$ref": h.name},
         "doc": {"$parts": ['{"x": ', h.name, ', "y": "é"}']}},
        {"a": 2, "d": None, "t": NOW.isoformat(), "r": "plain", "doc": '{"x": 1}'},
        {"a": 3, "t": NOW.isoformat()}]
    assert rows[0]["d"] == date(2025, 9, 2)  # the plan's rows are not changed


def test_plain_rows_are_sent_as_they_are() -> None:
    rows = ({"a": 1, "b": "x"}, {"a": 2, "b": None})
    compiled = compile_plan(Plan((Insert("t", rows),), NOW))
    assert "od_resolve" not in compiled.sqls[0]
    assert json.loads(compiled.args[0]) == [dict(r) for r in rows]
