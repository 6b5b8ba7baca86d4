"""Signature platform (签章平台): render, sign, co-sign and verify bank e-receipts (电子回单)."""
