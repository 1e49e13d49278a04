"""SmsGateway24 cloud: the client, and how its wire format is read."""

from __future__ import annotations

from .client import DEFAULT_URL, SmsGateway24Client

__all__ = ["DEFAULT_URL", "SmsGateway24Client"]
