"""Demo staff (maker, checker, admin) with passwords generated at first run, never in the repo.

The passwords are kept next to the sandbox's keys (`<data_dir>/demo-staff.txt`, mode 0600) so
that the demo command can print them again on every start.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from opendeposit.platform import Platform
from opendeposit.staff import service
from opendeposit.staff.models import staff

DEMO_STAFF = (
    ("maker", ("operator",), "经办员（演示）"),
    ("checker", ("checker",), "复核员（演示）"),
    ("admin", ("admin",), "管理员（演示）"),
)


def _password_file(p: Platform) -> Path:
    return p.settings.data_dir / "demo-staff.txt"


def _read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text().splitlines() if " " in line)
    return {name: secret for name, secret in pairs}


def _write_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.writelines(f"{name} {secret}\n" for name, secret in sorted(passwords.items()))


async def seed_demo_staff(p: Platform) -> dict[str, tuple[int, str]]:
    """Create the demo staff once → {username: (staff id, password or a hint)}."""
    path = _password_file(p)
    passwords = _read_passwords(path)
    out: dict[str, tuple[int, str]] = {}
    for username, roles, display in DEMO_STAFF:
        async with p.db.read() as conn:
            found = (await conn.execute(select(staff.c.id).where(
                staff.c.username == username))).scalar()
        if found is None:
            passwords.setdefault(username, service.new_password())
            found = await service.create_staff(db=p.db, username=username, roles=roles,
                                               password=passwords[username],
                                               display_name=display, actor="system:demo")
        out[username] = (int(found), passwords.get(username, "(set before; see the admin)"))
    _write_passwords(path, {k: v for k, v in passwords.items()})
    return out
