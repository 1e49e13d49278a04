"""Client for the SimFolder cloud (see `client`); wire assumptions in `simfolder_wire`."""

from __future__ import annotations

from .client import SimFolderClient
from .methods import SimFolderApi
from .records import (
    REGISTRATION,
    SEND_STATUS,
    Aggregator,
    NotificationSettings,
    Operator,
    Record,
    SimCard,
    device_key,
    port_key,
)

__all__ = [
    "REGISTRATION",
    "SEND_STATUS",
    "Aggregator",
    "NotificationSettings",
    "Operator",
    "Record",
    "SimCard",
    "SimFolderApi",
    "SimFolderClient",
    "device_key",
    "port_key",
]
