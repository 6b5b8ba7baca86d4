"""Every table of the platform, imported once so the metadata (and migrations) see them all."""

from opendeposit import clock, idempotency, notify  # noqa: F401
from opendeposit.accounts import models as accounts_models  # noqa: F401
from opendeposit.auth import models as auth_models  # noqa: F401
from opendeposit.esb import outbox as esb_outbox  # noqa: F401
from opendeposit.db import metadata
from opendeposit.ledger import models as ledger_models  # noqa: F401
from opendeposit.payments import models as payments_models  # noqa: F401
from opendeposit.payments.adapters import sandbox as sandbox_models  # noqa: F401

__all__ = ["metadata"]
