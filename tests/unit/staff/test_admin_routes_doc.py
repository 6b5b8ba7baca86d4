"""docs/admin.md is the permission matrix, rendered: it cannot drift from what is enforced."""

from __future__ import annotations

from pathlib import Path

from opendeposit.staff.permissions import render_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "admin.md"


def test_docs_admin_md_is_the_matrix() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), \
        "docs/admin.md is stale: run scripts/admin-routes"
