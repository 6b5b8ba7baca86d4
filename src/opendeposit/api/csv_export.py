"""CSV answers for staff tables: `?format=csv` or `Accept: text/csv`, UTF-8 with a BOM so that
spreadsheet programs read Chinese right."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response

CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}


def wants_csv(request: Request, fmt: str | None) -> bool:
    return fmt == "csv" or "text/csv" in request.headers.get("accept", "")


def csv_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
                 filename: str) -> Response:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return Response(buf.getvalue().encode(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a cell a spreadsheet would run as a formula is quoted as text (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
