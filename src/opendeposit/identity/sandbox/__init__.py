"""Sandbox identities: generated ID-card images, sample face photos and liveness frames."""
