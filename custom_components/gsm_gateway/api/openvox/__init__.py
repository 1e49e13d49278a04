"""OpenVox wireless gateways (SWG, VS-GW): the POST API for send and receive SMS.

`client` speaks the API and reads pushes; `sends` follows what was sent
until its fate is known; `wire` holds the vendor's codes, words and names.
The assumptions made where the vendor's document is silent are listed in
`client`'s docstring.
"""

from .client import OpenVoxClient

__all__ = ["OpenVoxClient"]
