"""`opendeposit init production`: what a bank must have before the platform takes deposits.

Checks the configuration and refuses anything of the sandbox (demo adapters, the demo PKI, demo
staff or rates); makes the signing key and its certificate request (CSR) or installs the
certificate the bank's CA issued; loads board rates and product drafts from a TOML catalog;
reports what is still missing. Re-running it is safe.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from opendeposit.esign.pki import PkiPaths
from opendeposit.security import PARTIES, KeyRing

SIGNING_CSR = "signing.csr.pem"


@dataclass(frozen=True)
class Finding:
    severity: str  # refuse | missing | advice
    what: str


def configuration_findings(settings: Any) -> list[Finding]:
    out: list[Finding] = []
    if settings.is_sandbox:
        out.append(Finding("refuse", "OPENDEPOSIT_ENV is sandbox: the demo adapters and the "
                           "/sandbox API would be live; set OPENDEPOSIT_ENV=production"))
    if not settings.effective_database_url.startswith("postgresql"):
        out.append(Finding("refuse", "DATABASE_URL must be PostgreSQL in production "
                           "(postgresql+asyncpg://...); SQLite is for the embedded demo"))
    for name, value in (("OPENDEPOSIT_CARD_NETWORK_URL", settings.card_network_url),
                        ("OPENDEPOSIT_SMS_GATEWAY_URL", settings.sms_gateway_url),
                        ("OPENDEPOSIT_CITIZEN_REGISTRY_URL", settings.citizen_registry_url),
                        ("OPENDEPOSIT_ESIGN_TSA_URL", settings.esign_tsa_url)):
        if not value:
            out.append(Finding("missing", f"{name} (the outside party's endpoint)"))
    if not settings.public_url.startswith("https://"):
        out.append(Finding("missing", "OPENDEPOSIT_PUBLIC_URL must be the https:// address "
                           "customers use (printed on every receipt's QR code)"))
    if settings.esb_transport != "amqp":
        out.append(Finding("advice", "OPENDEPOSIT_ESB_TRANSPORT=amqp (RabbitMQ) lets relays and "
                           "signers run as their own processes"))
    if not settings.redis_url:
        out.append(Finding("advice", "OPENDEPOSIT_REDIS_URL shares rate limits and logouts "
                           "across API workers (without it several workers skip the token cache)"))
    if not settings.trusted_proxies:
        out.append(Finding("advice", "OPENDEPOSIT_TRUSTED_PROXIES: the load balancers' addresses, "
                           "or every client looks like the balancer to the rate limits"))
    return out


def secret_findings(keys: KeyRing) -> list[Finding]:
    """Each outside party has its own secret, none shared, none the lookup key."""
    out: list[Finding] = []
    seen: dict[bytes, str] = {keys.lookup_key: "the lookup key"}
    for party in PARTIES:
        try:
            value = keys.party_secret(party, create=False)
        except (FileNotFoundError, RuntimeError):
            if party not in ("wechat", "liveness_vendor"):  # optional: mini-program, vendor
                out.append(Finding("missing", f"the {party} secret: OPENDEPOSIT_SECRET_"
                                   f"{party.upper()} or {keys.directory}/{party}.secret"))
            continue
        if len(value) < 32:
            out.append(Finding("refuse", f"the {party} secret is shorter than 32 characters"))
        if value in seen:
            out.append(Finding("refuse", f"the {party} secret is the same as {seen[value]}: "
                               "each outside party gets its own"))
        seen[value] = f"the {party} secret"
    return out


def demo_findings(settings: Any, paths: PkiPaths) -> list[Finding]:
    out: list[Finding] = []
    if paths.root_key.exists():
        out.append(Finding("refuse", f"{paths.root_key} is a CA private key: the demo PKI is "
                           "here; a CA's key never lives on the platform"))
    if paths.signing_cert.exists():
        cert = x509.load_pem_x509_certificate(paths.signing_cert.read_bytes())
        issuer = cert.issuer.rfc4514_string()
        if "Demo Root CA" in issuer:  # esign.pki.init_demo_pki's root
            out.append(Finding("refuse", f"{paths.signing_cert} comes from the demo CA "
                               f"({issuer})"))
    if paths.tsa_key.exists():
        out.append(Finding("refuse", f"{paths.tsa_key}: the demo's local timestamp authority; "
                           "production stamps with OPENDEPOSIT_ESIGN_TSA_URL"))
    if (settings.data_dir / "demo-staff.txt").exists():
        out.append(Finding("refuse", f"{settings.data_dir / 'demo-staff.txt'}: demo staff "
                           "logins exist in this data directory"))
    return out


async def database_findings(db: Any) -> list[Finding]:
    from sqlalchemy import func, select

    from opendeposit.accounts.models import audit_log
    from opendeposit.products.models import rate_entry
    from opendeposit.staff.models import staff

    out: list[Finding] = []
    async with db.read() as conn:
        demo_rates = (await conn.execute(select(func.count()).select_from(rate_entry).where(
            rate_entry.c.created_by == "system:demo"))).scalar_one()
        admins = (await conn.execute(select(func.count()).select_from(staff).where(
            staff.c.roles.contains("admin"), staff.c.active.is_(True)))).scalar_one()
        demo_staff = (await conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.actor == "system:demo"))).scalar_one()
    if demo_rates:
        out.append(Finding("refuse", "the database holds the demo bank's rates: use a new "
                           "database for production"))
    if demo_staff:
        out.append(Finding("refuse", "the database holds demo data (staff made by the demo)"))
    if not admins:
        out.append(Finding("missing", "a first admin: opendeposit staff create --username U "
                           "--role admin"))
    return out


def make_signing_request(paths: PkiPaths, *, bank_name: str, bank_name_en: str) -> Path:
    """A P-256 signing key (kept here, 0600) and its CSR for the bank's CA; reused if present."""
    paths.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if paths.signing_key.exists():
        key = serialization.load_pem_private_key(paths.signing_key.read_bytes(), None)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        _write(paths.signing_key, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), 0o600)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, bank_name),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{bank_name_en} e-receipt signing")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(
        key, hashes.SHA256())  # type: ignore[arg-type]
    out = paths.directory / SIGNING_CSR
    _write(out, csr.public_bytes(serialization.Encoding.PEM), 0o644)
    return out


def install_certificate(paths: PkiPaths, certificate: Path, chain: Path) -> None:
    """The certificate the CA issued for our CSR, with its chain up to the root: checked
    against our key, stored with it as signing.p12 (random password, 0600)."""
    key = serialization.load_pem_private_key(paths.signing_key.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    if cert.public_key().public_numbers() != key.public_key().public_numbers():  # type: ignore[union-attr]
        raise ValueError("the certificate is not for this platform's signing key")
    cas = x509.load_pem_x509_certificates(chain.read_bytes())
    if not cas:
        raise ValueError(f"{chain} holds no CA certificate")
    password = secrets.token_urlsafe(24).encode()
    p12 = pkcs12.serialize_key_and_certificates(
        b"signing", key, cert, cas,  # type: ignore[arg-type]
        serialization.BestAvailableEncryption(password))
    _write(paths.signing_cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(paths.root_cert, cas[-1].public_bytes(serialization.Encoding.PEM), 0o644)
    _write(paths.signing_p12_password, password + b"\n", 0o600)
    _write(paths.signing_p12, p12, 0o600)


def ensure_sm2_key(paths: PkiPaths) -> bool:
    """The SM2 co-signing key pair; True when it was made now."""
    from opendeposit.esign.sm2 import generate_key_pair_pem

    if paths.sm2_key.exists():
        return False
    paths.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_pem, public_pem = generate_key_pair_pem()
    _write(paths.sm2_key, private_pem, 0o600)
    _write(paths.sm2_public_key, public_pem, 0o644)
    return True


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


async def load_catalog(db: Any, path: Path) -> tuple[int, list[str]]:
    """Board rates (dated, idempotent) and products as drafts for maker–checker publishing.
    Returns (rate rows given, product codes drafted now)."""
    from opendeposit.money import parse_amount
    from opendeposit.products import service
    from opendeposit.products.domain import DEMAND, ProductKind, ProductTerms, RateEntry

    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = [RateEntry(DEMAND if r["kind"] == "demand" else ProductKind(r["kind"]),
                         int(r["term_months"]), Decimal(str(r["board_rate"])),
                         Decimal(str(r["ceiling"])), _day(r["effective_from"]))
               for r in doc.get("rates", [])]
    async with db.transaction() as conn:
        await service.install_rates(conn, db, entries, actor="system:init-production")
    async with db.read() as conn:
        existing = {prod.terms.code for prod in await service.catalog(conn)}
    drafted = []
    holder = SimpleNamespace(db=db)  # create_draft needs only the database
    for item in doc.get("products", []):
        if item["code"] in existing:
            continue
        terms = ProductTerms(
            code=item["code"], name=item["name"], kind=ProductKind(item["kind"]),
            term_months=int(item["term_months"]), rate=Decimal(str(item["rate"])),
            min_amount=parse_amount(item["min_amount"]),
            step_amount=parse_amount(item["step_amount"]),
            max_per_customer=parse_amount(item["max_per_customer"]),
            total_quota=parse_amount(item["total_quota"]),
            sale_start=_day(item["sale_start"]), sale_end=_day(item["sale_end"]),
            service_area_prefixes=tuple(item.get("service_area", ())),
            allow_partial_withdrawal=bool(item.get("allow_partial_withdrawal", True)),
            allow_rollover=bool(item.get("allow_rollover", True)))
        texts = service.ProductTexts(item.get("name_en", ""), item["early_withdrawal_text"],
                                     item["risk_text"])
        await service.create_draft(holder, staff_id=0, terms=terms,  # type: ignore[arg-type]
                                   texts=texts)
        drafted.append(terms.code)
    return len(entries), drafted


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
