"""Login by SMS one-time code and opaque bearer tokens."""
