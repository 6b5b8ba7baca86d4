"""Data-key rotation with the platform running (issue #12, personal data): a new key encrypts
at once in every process, old data is re-encrypted in batches, the old key is retired last."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from opendeposit.accounts.models import customer
from opendeposit.ops import keys as rotation
from opendeposit.security import DataCipher, KeyRing
from tests.helpers import open_customer


async def _names(p) -> list[str]:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        rows = (await conn.execute(select(customer.c.name_enc).where(
            customer.c.name_enc.is_not(None)).order_by(customer.c.id))).scalars().all()
    return [p.vault.decrypt(v) for v in rows]


async def test_rotate_reencrypt_retire(platform) -> None:
    for n in range(1, 4):
        await open_customer(platform, n)
    before = await _names(platform)
    key_dir = platform.settings.key_dir
    other_process = DataCipher(KeyRing.load_or_create(key_dir), check_seconds=3600)
    rotation.install_new_key(key_dir)
    platform.vault.cipher.reload(force=True)
    fresh = platform.vault.encrypt("written after the rotation")
    # a process that has not looked at the key files yet still reads the new data
    assert other_process.decrypt(fresh.encode()) == b"written after the rotation"
    left = await rotation.left_on_old_keys(platform.db, platform.vault.cipher)
    assert left["customer.name_enc"] == 3 and left["customer.phone_enc"] == 3
    done = await rotation.reencrypt(platform.db, platform.vault.cipher, batch=2)
    assert done["customer.name_enc"] == 3 and done["bound_card.card_enc"] == 3
    assert not any((await rotation.left_on_old_keys(platform.db, platform.vault.cipher)
                    ).values())
    assert rotation.retire_old_keys(key_dir) == 1
    assert KeyRing.load_or_create(key_dir).old_data_keys == ()
    platform.vault.cipher.reload(force=True)
    assert await _names(platform) == before  # everything still opens with the new key alone


def test_keys_rotate_command(tmp_path, sqlite_template, monkeypatch) -> None:
    import shutil

    from opendeposit.bootstrap import build_platform
    from opendeposit.cli import main
    from opendeposit.config import load_settings
    from tests.conftest import run_sync

    shutil.copy(sqlite_template, tmp_path / "od.sqlite3")
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'od.sqlite3'}",
           "OPENDEPOSIT_DATA_DIR": str(tmp_path / "data"), "OPENDEPOSIT_ENV": "sandbox"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async def with_platform(action):  # type: ignore[no-untyped-def]
        p = build_platform(load_settings())
        try:
            return await action(p)
        finally:
            await p.db.dispose()

    run_sync(with_platform(open_customer))
    runner = CliRunner()
    result = runner.invoke(main, ["keys", "rotate", "--propagate-seconds", "0"])
    assert result.exit_code == 0, result.output
    assert "customer.name_enc: 1 re-encrypted" in result.output
    status = runner.invoke(main, ["keys", "status"])
    assert "customer.name_enc: 0 on old keys" in status.output
    retired = runner.invoke(main, ["keys", "retire"])
    assert retired.exit_code == 0 and "retired 1" in retired.output
    assert run_sync(with_platform(_names)) == ["测试1"]
