"""Adapters of the identity ports: local models, the sandbox registry and an HTTP registry."""
