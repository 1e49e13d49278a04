"""Fake SMS/GSM gateways for the tests and the demo.

Each one is an independent implementation of a vendor's wire protocol, written
from the vendor's document and captures and never from our own client, so the
client is tested against a second reading of the protocol rather than its own.
"""

from .dinstar import DinstarSimulator, SimPort, SimRequest

__all__ = ["DinstarSimulator", "SimPort", "SimRequest"]
