"""`opendeposit init production`: refuses the sandbox and demo keys, makes the CSR, installs the
CA's certificate, loads the catalog as drafts, and lists what is missing until nothing is."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select, text

from opendeposit.cli import main
from opendeposit.db import Database
from tests.conftest import PG_ADMIN, run_sync

pytestmark = pytest.mark.postgres
CATALOG = Path(__file__).resolve().parents[2] / "deploy" / "catalog.example.toml"


async def _admin_sql(sql: str) -> None:
    db = Database(PG_ADMIN)
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(sql))
    await db.dispose()


@pytest.fixture
def prod_env(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    del pg_url
    name = f"od_initprod_{os.getpid()}"
    run_sync(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    run_sync(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    env = {"OPENDEPOSIT_ENV": "production", "DATABASE_URL": url,
           "OPENDEPOSIT_DATA_DIR": str(tmp_path / "data"),
           "OPENDEPOSIT_PUBLIC_URL": "https://bank.example",
           "OPENDEPOSIT_CARD_NETWORK_URL": "https://cards.example",
           "OPENDEPOSIT_SMS_GATEWAY_URL": "https://sms.example",
           "OPENDEPOSIT_CITIZEN_REGISTRY_URL": "https://nciic.example",
           "OPENDEPOSIT_ESIGN_TSA_URL": "https://tsa.example",
           "OPENDEPOSIT_SECRET_CARD_NETWORK": "c" * 40,
           "OPENDEPOSIT_SECRET_CITIZEN_REGISTRY": "r" * 40,
           "OPENDEPOSIT_SECRET_SMS_GATEWAY": "s" * 40}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield SimpleNamespace(url=url, data=tmp_path / "data", tmp=tmp_path)
    run_sync(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["init", "production", *args])


def test_sandbox_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENDEPOSIT_ENV", "sandbox")
    monkeypatch.setenv("OPENDEPOSIT_DATA_DIR", str(tmp_path))
    result = _run()
    assert result.exit_code == 1 and "OPENDEPOSIT_ENV is sandbox" in result.output


def test_the_demo_pki_and_shared_secrets_are_refused(prod_env,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from opendeposit.esign.pki import init_demo_pki

    init_demo_pki(prod_env.data / "pki", bank_name="开源商业银行")
    monkeypatch.setenv("OPENDEPOSIT_SECRET_SMS_GATEWAY", "c" * 40)
    result = _run()
    assert result.exit_code == 1
    assert "root-ca.key.pem is a CA private key" in result.output
    assert "comes from the demo CA" in result.output
    assert "the sms_gateway secret is the same as the card_network secret" in result.output


def _sign(csr_path: Path, out: Path) -> tuple[Path, Path]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bank Issuing CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
          .not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name)
            .public_key(csr.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=365)).sign(ca_key, hashes.SHA256()))
    (out / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "chain.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return out / "cert.pem", out / "chain.pem"


def test_from_nothing_to_ready(prod_env) -> None:  # type: ignore[no-untyped-def]
    first = _run("--catalog", str(CATALOG))
    assert first.exit_code == 2, first.output
    assert "drafts TD1Y-2026A, LCD3Y-2026A" in first.output
    assert "MISSING  the signing certificate" in first.output
    assert "MISSING  a first admin" in first.output
    csr = prod_env.data / "pki" / "signing.csr.pem"
    assert csr.exists() and oct((prod_env.data / "pki" / "signing.key.pem").stat().st_mode)[-3:] \
        == "600"
    cert, chain = _sign(csr, prod_env.tmp)
    second = _run("--certificate", str(cert), "--chain", str(chain))
    assert second.exit_code == 2 and "installed the signing certificate" in second.output
    assert "MISSING  the signing certificate" not in second.output

    async def add_admin() -> list[str]:
        from opendeposit.products.models import product
        from opendeposit.staff.service import create_staff

        db = Database(prod_env.url)
        try:
            await create_staff(SimpleNamespace(db=db), username="root",  # type: ignore[arg-type]
                               password="a-long-password-1", roles=["admin"])
            async with db.read() as conn:
                return list((await conn.execute(select(product.c.status))).scalars())
        finally:
            await db.dispose()

    assert run_sync(add_admin()) == ["draft", "draft"]
    third = _run("--catalog", str(CATALOG))  # re-running changes nothing
    assert third.exit_code == 0, third.output
    assert "ready for production" in third.output and "drafts none new" in third.output
