"""PostgreSQL's applier: a plan compiled to generic statements, run by one `apply_plan()` call.

Each lowered step becomes one statement over jsonb arguments, typed by its table's row type
(`jsonb_populate_record(NULL::table, ...)`), so the compiler needs no column types: an insert,
a guarded update (key, `=`, `>=`, `IN` guards), a capped upsert, or `ledger_append()`. The SQL
of a step depends only on its shape (table and column names), so it is built once and cached.
`apply_plan()` (db/pg_functions.py) runs them in order in one round trip.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

from opendeposit.db.lower import Primitive, captures, lower
from opendeposit.ledger.domain import content_digest, natural_delta
from opendeposit.writeplan import Doc, Insert, Plan, Post, Ref, Update, Upsert, doc_parts

CALL = "SELECT apply_plan($1::text[], $2::text[], $3::int[])"


class Compiled(NamedTuple):
    """A plan compiled for `apply_plan()`: one of each per lowered step."""

    steps: list[Primitive]
    sqls: list[str]
    args: list[str]
    expect: list[int | None]


def compile_plan(plan: Plan) -> Compiled:
    """(steps, sql, args, expected row counts), one of each per lowered step. A Ref to a value
    no earlier step captures is a ValueError (the database would put NULL there)."""
    steps = list(lower(plan))
    sqls, args, expect = [], [], []
    known: set[str] = set()
    for step in steps:
        used: set[str] = set()
        sql, arg, n = _compile(step, plan, used)
        if not used <= known:
            raise ValueError(f"plan refers to values no earlier step captures: {used - known}")
        known |= captures(step)
        sqls.append(sql)
        args.append(json.dumps(arg, ensure_ascii=False, default=_json))
        expect.append(n)
    return Compiled(steps, sqls, args, expect)


def _json(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    raise TypeError(f"cannot pass {v!r} to the database")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _encode(v: Any, used: set[str]) -> Any:
    """A row value as `od_resolve()` reads it (dates as `_json` writes them, without the
    encoder calling back for each)."""
    if isinstance(v, Ref):
        used.add(v.name)
        return {"$ref": v.name}
    if isinstance(v, Doc):
        parts = doc_parts(v)
        used.update(parts[1::2])
        return parts[0] if len(parts) == 1 else {"$parts": parts}
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


_PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are
_ABSENT = object()  # a column some row of an insert does not have


def _encode_rows(rows: Sequence[Mapping[str, Any]], used: set[str]
                 ) -> tuple[Sequence[Mapping[str, Any]], bool]:
    """(the rows as `od_resolve()` reads them, whether they hold values for it to put in).
    By column: a column of plain values (most of them) is passed on as it is, without a
    call per value; the rows are copied only if some column is not."""
    out: list[dict[str, Any]] | None = None
    refs = False
    for col in dict.fromkeys(chain.from_iterable(rows)):  # every row's columns, in order
        values = [r.get(col, _ABSENT) for r in rows]
        if set(map(type, values)) <= _PLAIN:
            continue
        if out is None:
            out = [dict(r) for r in rows]
        for row, v in zip(out, values, strict=True):
            if v is not _ABSENT:
                row[col] = e = _encode(v, used)
                refs = refs or isinstance(e, dict)
    return (rows if out is None else out), refs


def _compile(step: Primitive, plan: Plan, used: set[str]) -> tuple[str, Any, int | None]:
    if isinstance(step, Post):
        return "SELECT 1, ledger_append($1)", _post_args(step, plan), None
    if isinstance(step, Insert):
        cols = tuple(sorted(step.rows[0]))
        rows, refs = _encode_rows(step.rows, used)
        sql = _insert_sql(step.table, cols, refs, step.skip_existing, step.returning, step.name)
        return sql, rows, len(rows)
    if isinstance(step, Update):
        first = step.changes[0]
        sets, refs = _encode_rows([c.set for c in step.changes], used)
        rows = [{"k": c.key, "s": s, "a": c.add, "x": c.expect, "m": c.at_least,
                 "o": {k: [str(x) for x in v] for k, v in c.one_of.items()}}
                for c, s in zip(step.changes, sets, strict=True)]
        return _update_sql(step.table, first.shape(), refs), rows, len(rows)
    assert isinstance(step, Upsert)
    sql = _upsert_sql(step.table, tuple(step.key), tuple(step.add), tuple(step.cap))
    return sql, {"row": {**step.key, **step.add}, "cap": step.cap}, 1


@lru_cache(maxsize=256)
def _insert_sql(table: str, cols: tuple[str, ...], refs: bool, skip: bool,
                returning: str | None, name: str) -> str:
    t = _q(table)
    src = (f"jsonb_array_elements($1) AS e(v) CROSS JOIN LATERAL "
           f"jsonb_populate_record(NULL::{t}, od_resolve(e.v, $2)) AS r" if refs
           else f"jsonb_populate_recordset(NULL::{t}, $1) AS r")
    conflict = " ON CONFLICT DO NOTHING" if skip else ""
    ret = _q(returning) if returning else "1"
    capture = (f"jsonb_build_object({_lit(f'{name}.{returning}')}, max(s.x))" if returning
               else "NULL::jsonb")
    col_list = ", ".join(_q(c) for c in cols)
    return (f"WITH s AS (INSERT INTO {t} ({col_list}) SELECT "
            f"{', '.join('r.' + _q(c) for c in cols)} FROM {src}{conflict} "
            f"RETURNING {ret} AS x) SELECT count(*)::int, {capture} FROM s")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@lru_cache(maxsize=256)
def _update_sql(table: str, shape: tuple[tuple[str, ...], ...], refs: bool) -> str:
    key, set_, add, expect, at_least, one_of = shape
    t = _q(table)
    records = [("k", key), ("s", set_), ("a", add), ("x", expect), ("m", at_least)]
    joins = []
    for alias, cols in records:
        if cols:
            src = "od_resolve(e.v->'s', $2)" if alias == "s" and refs else f"e.v->'{alias}'"
            joins.append(f"CROSS JOIN LATERAL jsonb_populate_record(NULL::{t}, {src}) AS {alias}")
    sets = [f"{_q(c)} = s.{_q(c)}" for c in set_] + [f"{_q(c)} = t.{_q(c)} + a.{_q(c)}"
                                                      for c in add]
    where = [f"t.{_q(c)} = k.{_q(c)}" for c in key]
    where += [f"t.{_q(c)} IS NOT DISTINCT FROM x.{_q(c)}" for c in expect]
    where += [f"t.{_q(c)} >= m.{_q(c)}" for c in at_least]
    where += [f"t.{_q(c)}::text IN (SELECT jsonb_array_elements_text(e.v->'o'->{_lit(c)}))"
              for c in one_of]
    return (f"WITH s AS (UPDATE {t} AS t SET {', '.join(sets)} FROM jsonb_array_elements($1) "
            f"AS e(v) {' '.join(joins)} WHERE {' AND '.join(where)} RETURNING 1) "
            f"SELECT count(*)::int, NULL::jsonb FROM s")


@lru_cache(maxsize=64)
def _upsert_sql(table: str, key: tuple[str, ...], add: tuple[str, ...],
                cap: tuple[str, ...]) -> str:
    t = _q(table)
    cols = [*key, *add]
    capped = "(jsonb_populate_record(NULL::{t}, $1->'cap')).{c}"
    insert_ok = " AND ".join(f"r.{_q(c)} <= " + capped.format(t=t, c=_q(c)) for c in cap)
    update_ok = " AND ".join(f"t.{_q(c)} + excluded.{_q(c)} <= " + capped.format(t=t, c=_q(c))
                             for c in cap)
    return (f"WITH s AS (INSERT INTO {t} AS t ({', '.join(_q(c) for c in cols)}) "
            f"SELECT {', '.join('r.' + _q(c) for c in cols)} "
            f"FROM jsonb_populate_record(NULL::{t}, $1->'row') AS r "
            f"WHERE {insert_ok or 'true'} "
            f"ON CONFLICT ({', '.join(_q(c) for c in key)}) DO UPDATE SET "
            f"{', '.join(f'{_q(c)} = t.{_q(c)} + excluded.{_q(c)}' for c in add)} "
            f"WHERE {update_ok or 'true'} RETURNING 1) SELECT count(*)::int, NULL::jsonb FROM s")


def _post_args(step: Post, plan: Plan) -> dict[str, Any]:
    entries = [{
        "kind": e.kind, "business_date": e.business_date, "description": e.description,
        "reference": e.reference,
        "digest": content_digest(chain=step.chain, kind=e.kind, business_date=e.business_date,
                                 description=e.description, reference=e.reference,
                                 postings=e.postings),
        "postings": [[p.account, p.amount, natural_delta(p.account, p.amount)]
                     for p in e.postings],
    } for e in step.entries]
    opened = [{"code": a.code, "chart_code": a.chart_code, "name": a.name,
               "owner_id": a.owner_id, "non_negative": a.non_negative}
              for a in step.open_accounts]
    return {"chain": step.chain, "name": step.name, "now": plan.now, "entries": entries,
            "open": opened}


def step_of_miss(detail: str | None, steps: list[Primitive]) -> Primitive:
    return steps[int(detail or 0)]


def captured_of(result: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if result is None:
        return {}
    return dict(json.loads(result) if isinstance(result, str) else result)


