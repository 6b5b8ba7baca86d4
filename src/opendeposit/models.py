"""Every table of the platform, imported once so the metadata (and migrations) see them all."""

from opendeposit import clock, idempotency, notify  # noqa: F401
from opendeposit.accounts import models as accounts_models  # noqa: F401
from opendeposit.analytics import models as analytics_models  # noqa: F401
from opendeposit.auth import models as auth_models  # noqa: F401
from opendeposit.db import metadata
from opendeposit.deposits import models as deposits_models  # noqa: F401
from opendeposit.esb import inbox as esb_inbox  # noqa: F401
from opendeposit.esb import outbox as esb_outbox  # noqa: F401
from opendeposit.esign import models as esign_models  # noqa: F401
from opendeposit.identity import models as identity_models  # noqa: F401
from opendeposit.identity.adapters import registry as identity_registry  # noqa: F401
from opendeposit.ledger import models as ledger_models  # noqa: F401
from opendeposit.payments import models as payments_models  # noqa: F401
from opendeposit.payments.adapters import sandbox as sandbox_models  # noqa: F401
from opendeposit.products import models as products_models  # noqa: F401
from opendeposit.risk import models as risk_models  # noqa: F401
from opendeposit.staff import models as staff_models  # noqa: F401

__all__ = ["metadata"]
