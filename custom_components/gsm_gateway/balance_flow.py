"""The balance fields of the options form (SPEC §12)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import probatio

from .api import Capability, GatewayClient
from .balance import (
    CONF_BALANCE_CODE,
    CONF_BALANCE_INTERVAL,
    CONF_BALANCE_PATTERN,
    DEFAULT_BALANCE_INTERVAL,
    compile_pattern,
)

__all__ = [
    "BALANCE_FIELDS",
    "CONF_BALANCE_PATTERN",
    "balance_keys",
    "balance_options",
    "offers_balance",
]

MAX_BALANCE_INTERVAL = 24 * 31

balance_keys = (CONF_BALANCE_CODE, CONF_BALANCE_INTERVAL, CONF_BALANCE_PATTERN)

BALANCE_FIELDS: dict[Any, Any] = {
    probatio.Optional(CONF_BALANCE_CODE): TextSelector(),
    probatio.Optional(
        CONF_BALANCE_INTERVAL, default=DEFAULT_BALANCE_INTERVAL
    ): NumberSelector(
        NumberSelectorConfig(
            min=1,
            max=MAX_BALANCE_INTERVAL,
            step=1,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement="h",
        )
    ),
    probatio.Optional(CONF_BALANCE_PATTERN): TextSelector(),
}


def offers_balance(entry: ConfigEntry) -> bool:
    """Show the balance fields unless the loaded gateway cannot send USSD."""
    runtime = getattr(entry, "runtime_data", None)
    if entry.state is not ConfigEntryState.LOADED or runtime is None:
        return True
    client: GatewayClient = runtime.client
    return client.supports(Capability.USSD)


def balance_options(user_input: dict[str, Any]) -> dict[str, Any]:
    """The balance options to keep: none without a code.

    Raises re.error when the pattern is not a regular expression.
    """
    code = str(user_input.get(CONF_BALANCE_CODE) or "").strip()
    pattern = str(user_input.get(CONF_BALANCE_PATTERN) or "").strip()
    compile_pattern(pattern)
    if not code:
        return {}
    options: dict[str, Any] = {
        CONF_BALANCE_CODE: code,
        CONF_BALANCE_INTERVAL: int(
            user_input.get(CONF_BALANCE_INTERVAL, DEFAULT_BALANCE_INTERVAL)
        ),
    }
    if pattern:
        options[CONF_BALANCE_PATTERN] = pattern
    return options
