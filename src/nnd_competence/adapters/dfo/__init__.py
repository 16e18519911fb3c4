"""Adapter for DFØ HR: the DFØ-SAP REST API behind the application's ``HrSource`` port.

See docs/integrations.md, section "DFØ HR (inbound)", for the endpoints, the field mapping
and the assumptions made where DFØ publishes nothing.
"""

from nnd_competence.adapters.dfo.client import (
    API_KEY_HEADER,
    DfoClient,
    DfoRequestRefused,
    DfoSettings,
    RetryPolicy,
)
from nnd_competence.adapters.dfo.notifications import (
    NotificationFile,
    parse_notification,
    parse_notifications,
)
from nnd_competence.adapters.dfo.parse import PLACEHOLDER_POSITION, OrgUnitFields
from nnd_competence.adapters.dfo.source import DfoHrSource

__all__ = [
    "API_KEY_HEADER",
    "PLACEHOLDER_POSITION",
    "DfoClient",
    "DfoHrSource",
    "DfoRequestRefused",
    "DfoSettings",
    "NotificationFile",
    "OrgUnitFields",
    "RetryPolicy",
    "parse_notification",
    "parse_notifications",
]
