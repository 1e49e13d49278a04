"""Options of an entry: poll interval, recipients, inbox bounds, retries, balance; contacts."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from homeassistant.config_entries import (
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .api import (
    GatewayType,
)
from .balance_flow import (
    BALANCE_FIELDS,
    CONF_BALANCE_PATTERN,
    balance_keys,
    balance_options,
    offers_balance,
)
from .const import (
    CONF_DEFAULT_RECIPIENTS,
    CONF_GATEWAY_TYPE,
    CONF_INBOX_MAX_DAYS,
    CONF_INBOX_MAX_MESSAGES,
    CONF_SCAN_INTERVAL,
    CONF_SEND_RETRY_HOURS,
    DEFAULT_SEND_RETRY_HOURS,
)
from .contacts_flow import ContactsOptionsFlowMixin
from .flow_forms import (
    INBOX_DAYS_RANGE,
    INBOX_MESSAGES_RANGE,
    MAX_SCAN_INTERVAL,
    MAX_SEND_RETRY_HOURS,
    MIN_SCAN_INTERVAL,
    box,
    parse_recipients,
    recipients_text,
)
from .helpers import default_scan_interval
from .inbox import DEFAULT_MAX_DAYS, DEFAULT_MAX_MESSAGES


class GsmGatewayOptionsFlow(ContactsOptionsFlowMixin, OptionsFlowWithReload):
    """The entry's settings (inbox bounds included), and the integration's contacts."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The entry's own settings, or the contact list shared by all entries."""
        return self.async_show_menu(
            step_id="init", menu_options=["settings", "contacts"]
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and check the options."""
        errors: dict[str, str] = {}
        placeholders = {"number": ""}
        options = self.config_entry.options
        if user_input is not None:
            try:
                recipients = parse_recipients(
                    user_input.get(CONF_DEFAULT_RECIPIENTS, "")
                )
            except ValueError as err:
                errors[CONF_DEFAULT_RECIPIENTS] = "invalid_number"
                placeholders["number"] = str(err)
            try:
                balance = balance_options(user_input)
            except re.error:
                errors[CONF_BALANCE_PATTERN] = "invalid_pattern"
            if not errors:
                return self.async_create_entry(
                    data={
                        **{k: v for k, v in options.items() if k not in balance_keys},
                        CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                        CONF_DEFAULT_RECIPIENTS: recipients,
                        **balance,
                        CONF_SEND_RETRY_HOURS: int(user_input[CONF_SEND_RETRY_HOURS]),
                        CONF_INBOX_MAX_MESSAGES: int(
                            user_input[CONF_INBOX_MAX_MESSAGES]
                        ),
                        CONF_INBOX_MAX_DAYS: int(user_input[CONF_INBOX_MAX_DAYS]),
                    }
                )
            suggested: Mapping[str, Any] = user_input
        else:
            suggested = {
                CONF_SCAN_INTERVAL: options.get(
                    CONF_SCAN_INTERVAL,
                    default_scan_interval(
                        GatewayType(self.config_entry.data[CONF_GATEWAY_TYPE])
                    ),
                ),
                CONF_DEFAULT_RECIPIENTS: recipients_text(
                    options.get(CONF_DEFAULT_RECIPIENTS)
                ),
                **{k: options[k] for k in balance_keys if k in options},
                CONF_SEND_RETRY_HOURS: options.get(
                    CONF_SEND_RETRY_HOURS, DEFAULT_SEND_RETRY_HOURS
                ),
                CONF_INBOX_MAX_MESSAGES: options.get(
                    CONF_INBOX_MAX_MESSAGES, DEFAULT_MAX_MESSAGES
                ),
                CONF_INBOX_MAX_DAYS: options.get(CONF_INBOX_MAX_DAYS, DEFAULT_MAX_DAYS),
            }

        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(
                    {
                        probatio.Required(CONF_SCAN_INTERVAL): NumberSelector(
                            NumberSelectorConfig(
                                min=MIN_SCAN_INTERVAL,
                                max=MAX_SCAN_INTERVAL,
                                step=1,
                                mode=NumberSelectorMode.BOX,
                                unit_of_measurement="s",
                            )
                        ),
                        probatio.Optional(CONF_DEFAULT_RECIPIENTS): TextSelector(
                            TextSelectorConfig(type=TextSelectorType.TEXT)
                        ),
                        probatio.Optional(
                            CONF_SEND_RETRY_HOURS, default=DEFAULT_SEND_RETRY_HOURS
                        ): NumberSelector(
                            NumberSelectorConfig(
                                min=1,
                                max=MAX_SEND_RETRY_HOURS,
                                step=1,
                                mode=NumberSelectorMode.BOX,
                                unit_of_measurement="h",
                            )
                        ),
                        **(BALANCE_FIELDS if offers_balance(self.config_entry) else {}),
                        probatio.Optional(
                            CONF_INBOX_MAX_MESSAGES, default=DEFAULT_MAX_MESSAGES
                        ): box(*INBOX_MESSAGES_RANGE),
                        probatio.Optional(
                            CONF_INBOX_MAX_DAYS, default=DEFAULT_MAX_DAYS
                        ): box(*INBOX_DAYS_RANGE, unit="d"),
                    }
                ),
                suggested,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
