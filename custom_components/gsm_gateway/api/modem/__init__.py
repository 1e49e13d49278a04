"""GSM/LTE modems over AT commands: the serial line, its answers, the client."""

from __future__ import annotations

from .client import ModemClient

__all__ = ["ModemClient"]
