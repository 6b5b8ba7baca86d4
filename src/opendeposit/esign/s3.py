"""Receipt store on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode):
plain HTTP through httpx, requests signed with AWS Signature Version 4.

Only what the store needs: PUT and GET of one object, path-style (`endpoint/bucket/key`) or
virtual-hosted (`bucket.endpoint/key`) addressing, payload hashes always signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import httpx

from opendeposit.esign.store import ReceiptFileMissing, ReceiptStoreUnavailable, check_key

if TYPE_CHECKING:
    from opendeposit.config import Settings

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), aws4_request)."""
    key = _hmac(f"AWS4{secret_key}".encode(), day)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def canonical_query(query: str) -> str:
    pairs = [part.partition("=") for part in query.split("&") if part]
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, _eq, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def sign_request(method: str, url: str, headers: dict[str, str], payload_sha256: str, *,
                 access_key: str, secret_key: str, region: str, service: str = "s3",
                 now: dt.datetime | None = None) -> dict[str, str]:
    """`headers` plus host, x-amz-date, x-amz-content-sha256 and Authorization (SigV4)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp, day = f"{moment:%Y%m%dT%H%M%SZ}", f"{moment:%Y%m%d}"
    parts = urlsplit(url)
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed.update({"host": parts.netloc, "x-amz-date": stamp,
                   "x-amz-content-sha256": payload_sha256})
    names = sorted(signed)
    canonical = "\n".join([
        method.upper(), quote(parts.path or "/", safe="/-_.~"), canonical_query(parts.query),
        "".join(f"{name}:{signed[name]}\n" for name in names), ";".join(names),
        payload_sha256])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    signature = hmac.new(signing_key(secret_key, day, region, service), to_sign.encode(),
                         hashlib.sha256).hexdigest()
    authorization = (f"{ALGORITHM} Credential={access_key}/{scope}, "
                     f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return {**headers, "x-amz-date": stamp, "x-amz-content-sha256": payload_sha256,
            "Authorization": authorization}


class S3ReceiptStore:
    """Receipts as objects `{prefix}YYYY/MM/receipt_no.pdf` in one bucket."""

    def __init__(self, endpoint: str, bucket: str, *, access_key: str, secret_key: str,
                 region: str = "us-east-1", prefix: str = "receipts/",
                 virtual_hosted: bool = False, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not endpoint or not bucket or not access_key or not secret_key:
            raise ValueError("the S3 receipt store needs endpoint, bucket and both keys")
        self.bucket, self.prefix, self.region = bucket, prefix, region
        self._access, self._secret = access_key, secret_key
        scheme, _sep, host = endpoint.rstrip("/").partition("://")
        self._base = (f"{scheme}://{bucket}.{host}" if virtual_hosted
                      else f"{scheme}://{host}/{quote(bucket, safe='')}")
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ReceiptStore:
        secret = settings.esign_s3_secret_key  # a str when tests copy settings unvalidated
        return cls(settings.esign_s3_endpoint, settings.esign_s3_bucket,
                   access_key=settings.esign_s3_access_key,
                   secret_key=str(getattr(secret, "get_secret_value", lambda: secret)()),
                   region=settings.esign_s3_region, prefix=settings.esign_s3_prefix,
                   virtual_hosted=settings.esign_s3_virtual_hosted)

    def url(self, key: str) -> str:
        return f"{self._base}/{quote(self.prefix + check_key(key), safe='/-_.~')}"

    async def put(self, key: str, data: bytes) -> None:
        url = self.url(key)
        headers = sign_request("PUT", url, {"content-type": "application/pdf"},
                               hashlib.sha256(data).hexdigest(), access_key=self._access,
                               secret_key=self._secret, region=self.region)
        response = await self._send("PUT", url, headers, data)
        if response.status_code != 200:
            raise ReceiptStoreUnavailable(f"S3 PUT {key}: HTTP {response.status_code} "
                                          f"{response.text[:200]}")

    async def get(self, key: str) -> bytes:
        url = self.url(key)
        headers = sign_request("GET", url, {}, EMPTY_SHA256, access_key=self._access,
                               secret_key=self._secret, region=self.region)
        response = await self._send("GET", url, headers, None)
        if response.status_code == 404:
            raise ReceiptFileMissing(f"no receipt object {key}")
        if response.status_code != 200:
            raise ReceiptStoreUnavailable(f"S3 GET {key}: HTTP {response.status_code}")
        return response.content

    async def _send(self, method: str, url: str, headers: dict[str, str],
                    body: bytes | None) -> httpx.Response:
        try:
            return await self._client.request(method, url, headers=headers, content=body)
        except httpx.HTTPError as exc:
            raise ReceiptStoreUnavailable(f"S3 {method} failed: {type(exc).__name__}") from exc

    async def close(self) -> None:
        await self._client.aclose()
