"""Minimal DER encoding helpers for the prepared CMS and the local TSA (hot paths only)."""

from __future__ import annotations


def der(tag: int, content: bytes) -> bytes:
    """One DER TLV with definite length."""
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big") + content


def der_uint(value: int) -> bytes:
    """DER INTEGER for a non-negative int (a leading zero byte keeps it positive)."""
    if value < 0:
        raise ValueError("negative INTEGER not supported")
    return der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def header_len(tlv: bytes) -> int:
    """Length of the tag+length prefix of a DER TLV (single-byte tags)."""
    return 2 if tlv[1] < 0x80 else 2 + (tlv[1] & 0x7F)
