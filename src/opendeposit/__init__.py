"""opendeposit: a self-hostable online deposit platform for commercial banks."""

__version__ = "0.1.0"
