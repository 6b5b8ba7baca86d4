"""Adapters of the auth ports: WeChat (sandbox and HTTP) and the customer directory."""
