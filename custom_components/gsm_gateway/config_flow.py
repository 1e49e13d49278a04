"""Config flow for GSM Gateway: pick a gateway type, log in, point its pushes here."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any, override

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from .api import (
    SUPPORTED_TYPES,
    Capability,
    ClientConfig,
    GatewayAuthError,
    GatewayClient,
    GatewayConnectionError,
    GatewayError,
    GatewayInfo,
    GatewayNoAnswerError,
    GatewayType,
    SimLockedError,
    create_client,
)
from .balance_flow import (
    BALANCE_FIELDS,
    CONF_BALANCE_PATTERN,
    balance_keys,
    balance_options,
    offers_balance,
)
from .const import (
    CONF_API_KEY,
    CONF_BAUDRATE,
    CONF_DEFAULT_RECIPIENTS,
    CONF_DEVICE,
    CONF_GATEWAY_TYPE,
    CONF_INBOX_MAX_DAYS,
    CONF_INBOX_MAX_MESSAGES,
    CONF_PIN,
    CONF_SCAN_INTERVAL,
    CONF_SEND_RETRY_HOURS,
    CONF_WEBHOOK_ID,
    DEFAULT_BAUDRATE,
    DEFAULT_SEND_RETRY_HOURS,
    DOMAIN,
    LOGGER,
)
from .contacts_flow import ContactsOptionsFlowMixin
from .helpers import default_scan_interval
from .inbox import DEFAULT_MAX_DAYS, DEFAULT_MAX_MESSAGES
from .push_target import reachable_webhook_url

SMSGATEWAY24_URL = "https://smsgateway24.com/getdata/"

MIN_SCAN_INTERVAL = 10
MAX_SCAN_INTERVAL = 3600
MAX_SEND_RETRY_HOURS = 168
INBOX_MESSAGES_RANGE = (100, 10000)
INBOX_DAYS_RANGE = (1, 3650)

_PHONE_NUMBER = re.compile(r"(?=.{3,24}$)\+?[0-9]+")
_NUMBER_SEPARATORS = re.compile(r"[\s().-]")

_LAN_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="url")
        ),
        probatio.Required(CONF_USERNAME): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
        ),
        probatio.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        ),
        probatio.Required(CONF_VERIFY_SSL, default=False): BooleanSelector(),
    }
)

SIMFOLDER_URL = "https://simfolder.com/api/"

_API_KEY_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)

_SIMFOLDER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_API_KEY): _API_KEY_SELECTOR,
        probatio.Required(CONF_URL, default=SIMFOLDER_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL, autocomplete="url")
        ),
    }
)

_API_KEY_SCHEMA = probatio.Schema({probatio.Required(CONF_API_KEY): _API_KEY_SELECTOR})

_REAUTH_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_USERNAME): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
        ),
        probatio.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        ),
    }
)


_ACCOUNT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_EMAIL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
        ),
        probatio.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        ),
        probatio.Required(CONF_URL, default=SMSGATEWAY24_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
    }
)
"""Cloud accounts logged in with e-mail and password (SmsGateway24)."""

_ACCOUNT_REAUTH_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        ),
    }
)

_ACCOUNT_TYPES = frozenset({GatewayType.SMSGATEWAY24})
"""Types whose login is an account's e-mail and password, not a device's user."""


_PIN_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_PIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)

BAUDRATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]
_SIM_LOCK_ERRORS = {
    "pin_required": "pin_required",
    "pin_wrong": "invalid_pin",
    "puk_required": "puk_required",
}
"""`SimLockedError.state` to the flow's error key."""


def _list_serial_ports() -> list[SelectOptionDict]:
    """The serial ports this machine has, stable /dev/serial/by-id paths first.

    Runs in the executor: listing ports reads sysfs. A stick's by-id path
    survives replugging and reboots, where /dev/ttyUSB0 may become ttyUSB1.
    Home Assistant's usb helpers name the ports; where that integration's
    own requirements are not installed (a bare Core), serialx lists them.
    """
    try:
        from homeassistant.components.usb import (  # noqa: PLC0415
            get_serial_by_id,
            human_readable_device_name,
        )
        from homeassistant.components.usb.utils import (  # noqa: PLC0415
            scan_serial_ports,
        )
    except ImportError:
        import serialx  # noqa: PLC0415

        return _by_id_first(
            [
                SelectOptionDict(value=port.device, label=port.device)
                for port in serialx.list_serial_ports()
            ]
        )
    options: list[SelectOptionDict] = []
    try:
        ports = scan_serial_ports()
    except OSError as err:  # no sysfs in some containers: the path is typed
        LOGGER.debug("Listing serial ports failed: %s", err)
        ports = []
    for port in ports:
        path = get_serial_by_id(port.device)
        label = human_readable_device_name(
            path,
            port.serial_number,
            port.manufacturer,
            port.description,
            getattr(port, "vid", None),
            getattr(port, "pid", None),
        )
        options.append(SelectOptionDict(value=path, label=label))
    return _by_id_first(options)


def _by_id_first(options: list[SelectOptionDict]) -> list[SelectOptionDict]:
    return sorted(
        options,
        key=lambda option: not option["value"].startswith("/dev/serial/by-id/"),
    )


def _modem_schema(ports: list[SelectOptionDict]) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_DEVICE): SelectSelector(
                SelectSelectorConfig(
                    options=ports,
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            probatio.Required(CONF_BAUDRATE, default=DEFAULT_BAUDRATE): SelectSelector(
                SelectSelectorConfig(
                    options=[str(rate) for rate in BAUDRATES],
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            probatio.Optional(CONF_PIN): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
        }
    )


def modem_data(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Entry data from the modem form, or None with `errors` filled.

    The device is a path (`/dev/serial/by-id/...`, `/dev/ttyUSB2`, `COM3`) or
    a URL serialx opens (`socket://host:port`, `rfc2217://host:port`).
    """
    device = str(user_input.get(CONF_DEVICE, "")).strip()
    if not device or any(char.isspace() for char in device):
        errors[CONF_DEVICE] = "invalid_device"
        return None
    if "://" in device:
        url = URL(device)
        if url.scheme not in ("socket", "rfc2217") or not url.host or not url.port:
            errors[CONF_DEVICE] = "invalid_device"
            return None
    try:
        baudrate = int(user_input.get(CONF_BAUDRATE, DEFAULT_BAUDRATE))
    except TypeError, ValueError:
        baudrate = 0
    if not 300 <= baudrate <= 4_000_000:
        errors[CONF_BAUDRATE] = "invalid_baudrate"
        return None
    pin = str(user_input.get(CONF_PIN) or "").strip()
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        errors[CONF_PIN] = "invalid_pin_format"
        return None
    data: dict[str, Any] = {CONF_DEVICE: device, CONF_BAUDRATE: baudrate}
    if pin:
        data[CONF_PIN] = pin
    return data


def normalize_url(value: str) -> str:
    """Turn what the user typed into the gateway's base URL.

    A bare host gets `http://` (LAN gateways rarely have a certificate worth
    trusting); a trailing slash goes, since the clients append their paths.
    Raises ValueError for anything that is not an http(s) URL with a host.
    """
    text = value.strip()
    if not text or any(char.isspace() for char in text):
        raise ValueError(f"not a URL: {value}")
    if "://" not in text:
        text = f"http://{text}"
    url = URL(text)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"not an http(s) URL: {value}")
    if url.query_string or url.fragment or url.user or url.password:
        raise ValueError(f"unexpected URL parts: {value}")
    return str(url).rstrip("/")


def parse_recipients(value: str) -> list[str]:
    """Split a comma-separated list of phone numbers, normalised.

    Spaces, dots, dashes and brackets people write inside numbers are dropped.
    Raises ValueError naming the first entry that is not a phone number.
    """
    numbers: list[str] = []
    for item in value.split(","):
        number = _NUMBER_SEPARATORS.sub("", item)
        if not number:
            continue
        if not _PHONE_NUMBER.fullmatch(number):
            raise ValueError(item.strip())
        if number not in numbers:
            numbers.append(number)
    return numbers


def _recipients_text(recipients: list[str] | str | None) -> str:
    if isinstance(recipients, str):
        return recipients
    return ", ".join(recipients or [])


def _entry_title(gateway_type: GatewayType, info: GatewayInfo) -> str:
    if info.name:
        return info.name
    brand = info.model or info.manufacturer or gateway_type.value.title()
    return f"{brand} {info.unique_id}"


class GsmGatewayConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a gateway: type menu, login form, and the push URL where needed."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known about the gateway."""
        self._entry_data: dict[str, Any] = {}
        self._title = ""
        self._push_url = ""
        self._new_unique_id: str | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options: poll interval, default recipients, inbox bounds."""
        return GsmGatewayOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of gateway to add."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[gateway_type.value for gateway_type in SUPPORTED_TYPES],
        )

    async def async_step_dinstar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to a Dinstar gateway."""
        return await self._async_step_lan(GatewayType.DINSTAR, user_input)

    async def async_step_openvox(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to an OpenVox gateway."""
        return await self._async_step_lan(GatewayType.OPENVOX, user_input)

    async def async_step_simfolder(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a SimFolder account by its API key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _cloud_data(user_input, errors)
            if data is not None and (
                connected := await self._async_connect(
                    GatewayType.SIMFOLDER, data, errors
                )
            ):
                client, info = connected
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_configured()
                self._entry_data = {
                    CONF_GATEWAY_TYPE: GatewayType.SIMFOLDER.value,
                    **data,
                    CONF_WEBHOOK_ID: webhook.async_generate_id(),
                }
                self._title = _entry_title(GatewayType.SIMFOLDER, info)
                return await self._async_point_push(client)

        return self.async_show_form(
            step_id="simfolder",
            data_schema=self.add_suggested_values_to_schema(
                _SIMFOLDER_SCHEMA, user_input
            ),
            errors=errors,
        )

    async def async_step_reauth_api_key(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key for the same account."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_KEY: user_input[CONF_API_KEY].strip()}
            if await self._async_check_same_gateway(entry, data, errors):
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: data[CONF_API_KEY]}
                )
        return self.async_show_form(
            step_id="reauth_api_key",
            data_schema=_API_KEY_SCHEMA,
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key or the API's URL of an account already added."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _cloud_data(user_input, errors)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                return self.async_update_reload_and_abort(entry, data_updates=data)
        else:
            user_input = {
                key: entry.data[key]
                for key in (CONF_URL, CONF_API_KEY)
                if key in entry.data
            }
        return self.async_show_form(
            step_id="reconfigure_cloud",
            data_schema=self.add_suggested_values_to_schema(
                _SIMFOLDER_SCHEMA, user_input
            ),
            errors=errors,
        )

    async def async_step_modem(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the modem's serial port (or network URL), its speed and PIN."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = modem_data(user_input, errors)
            if data is not None and (
                connected := await self._async_connect(GatewayType.MODEM, data, errors)
            ):
                info = connected[1]
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_configured()
                # No webhook: a modem tells its news on its serial line.
                return self.async_create_entry(
                    title=_entry_title(GatewayType.MODEM, info),
                    data={CONF_GATEWAY_TYPE: GatewayType.MODEM.value, **data},
                )
        ports = await self.hass.async_add_executor_job(_list_serial_ports)
        return self.async_show_form(
            step_id="modem",
            data_schema=self.add_suggested_values_to_schema(
                _modem_schema(ports), user_input
            ),
            errors=errors,
        )

    async def _async_step_lan(
        self, gateway_type: GatewayType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _lan_data(user_input, errors)
            if data is not None and (
                connected := await self._async_connect(gateway_type, data, errors)
            ):
                client, info = connected
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_configured()
                self._entry_data = {
                    CONF_GATEWAY_TYPE: gateway_type.value,
                    **data,
                    CONF_WEBHOOK_ID: webhook.async_generate_id(),
                }
                self._title = _entry_title(gateway_type, info)
                return await self._async_point_push(client)

        return self.async_show_form(
            step_id=gateway_type.value,
            data_schema=self.add_suggested_values_to_schema(_LAN_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_smsgateway24(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to an SmsGateway24 account."""
        gateway_type = GatewayType.SMSGATEWAY24
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _account_data(user_input, errors)
            if data is not None and (
                connected := await self._async_connect(gateway_type, data, errors)
            ):
                client, info = connected
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_configured()
                self._entry_data = {
                    CONF_GATEWAY_TYPE: gateway_type.value,
                    **data,
                    CONF_WEBHOOK_ID: webhook.async_generate_id(),
                }
                self._title = _entry_title(gateway_type, info)
                return await self._async_point_push(client)

        return self.async_show_form(
            step_id=gateway_type.value,
            data_schema=self.add_suggested_values_to_schema(
                _ACCOUNT_SCHEMA, user_input
            ),
            errors=errors,
        )

    async def _async_point_push(self, client: GatewayClient) -> ConfigFlowResult:
        """Add the entry, first showing the push URL where the user must set it.

        Gateways whose API sets their push target get it at set-up (and at
        every later one: the URL may change), from `push_target`.
        """
        if client.supports(Capability.PUSH_CONFIG):
            return self.async_create_entry(title=self._title, data=self._entry_data)
        webhook_id: str = self._entry_data[CONF_WEBHOOK_ID]
        gateway_type = GatewayType(self._entry_data[CONF_GATEWAY_TYPE])
        # Home Assistant may not know its own address: the user completes it.
        self._push_url = reachable_webhook_url(
            self.hass, webhook_id, gateway_type, self._entry_data[CONF_URL]
        ) or webhook.async_generate_path(webhook_id)
        if gateway_type.on_lan:
            return await self.async_step_push()
        return await self.async_step_push_cloud()

    async def async_step_push_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the webhook URL for a cloud service's own settings, then add the entry."""
        if user_input is not None:
            return self.async_create_entry(title=self._title, data=self._entry_data)
        return self.async_show_form(
            step_id="push_cloud",
            description_placeholders={"url": self._push_url},
            last_step=True,
        )

    async def async_step_push(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the URL to paste into the gateway's web UI, then add the entry."""
        if user_input is not None:
            return self.async_create_entry(title=self._title, data=self._entry_data)
        return self.async_show_form(
            step_id="push",
            description_placeholders={"url": self._push_url},
            last_step=True,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start a new login after the gateway refused the stored credentials."""
        if CONF_API_KEY in entry_data:
            return await self.async_step_reauth_api_key()
        if GatewayType(entry_data[CONF_GATEWAY_TYPE]) in _ACCOUNT_TYPES:
            return await self.async_step_reauth_account()
        if entry_data[CONF_GATEWAY_TYPE] == GatewayType.MODEM:
            return await self.async_step_reauth_pin()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_account(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the account's new password (the e-mail is the account)."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None and await self._async_check_same_gateway(
            entry, {**entry.data, **user_input}, errors
        ):
            return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_account",
            data_schema=_ACCOUNT_REAUTH_SCHEMA,
            description_placeholders={CONF_EMAIL: entry.data[CONF_EMAIL]},
            errors=errors,
        )

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials for the same gateway."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if await self._async_check_same_gateway(
                entry, {**entry.data, **user_input}, errors
            ):
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        else:
            user_input = {CONF_USERNAME: entry.data.get(CONF_USERNAME)}

        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(_REAUTH_SCHEMA, user_input),
            description_placeholders={CONF_URL: entry.data[CONF_URL]},
            errors=errors,
        )

    async def async_step_reauth_pin(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask a modem's SIM PIN again (the SIM refused it, or was swapped)."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = modem_data({**entry.data, **user_input}, errors)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                return self.async_update_reload_and_abort(
                    entry, data=_with_type(entry, data)
                )
        return self.async_show_form(
            step_id="reauth_pin",
            data_schema=_PIN_SCHEMA,
            description_placeholders={CONF_DEVICE: entry.data[CONF_DEVICE]},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the URL or credentials of a gateway already added."""
        entry = self._get_reconfigure_entry()
        if CONF_API_KEY in entry.data:
            return await self.async_step_reconfigure_cloud(user_input)
        if GatewayType(entry.data[CONF_GATEWAY_TYPE]) in _ACCOUNT_TYPES:
            return await self.async_step_reconfigure_account()
        if entry.data[CONF_GATEWAY_TYPE] == GatewayType.MODEM:
            return await self.async_step_reconfigure_modem(user_input)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _lan_data(user_input, errors)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                if self._new_unique_id is not None:
                    return self.async_update_reload_and_abort(
                        entry, unique_id=self._new_unique_id, data_updates=data
                    )
                return self.async_update_reload_and_abort(entry, data_updates=data)
        else:
            user_input = {
                key: entry.data[key]
                for key in (CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL)
                if key in entry.data
            }

        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(_LAN_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure_modem(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move a modem to another port (or speed, or PIN): the same IMEI only."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = modem_data(user_input, errors)
            # The loaded entry holds its port, and a serial port opens once:
            # it lets go while the same port is tried, and is back if that fails.
            held = (
                data is not None
                and data[CONF_DEVICE] == entry.data[CONF_DEVICE]
                and entry.state is ConfigEntryState.LOADED
            )
            if held:
                await self.hass.config_entries.async_unload(entry.entry_id)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                return self.async_update_reload_and_abort(
                    entry, data=_with_type(entry, data)
                )
            if held:
                await self.hass.config_entries.async_setup(entry.entry_id)
        else:
            user_input = {
                CONF_DEVICE: entry.data[CONF_DEVICE],
                CONF_BAUDRATE: str(entry.data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
            }
        ports = await self.hass.async_add_executor_job(_list_serial_ports)
        return self.async_show_form(
            step_id="reconfigure_modem",
            data_schema=self.add_suggested_values_to_schema(
                _modem_schema(ports), user_input
            ),
            errors=errors,
        )

    async def async_step_reconfigure_account(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the e-mail, password or URL of a cloud account (the same account)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _account_data(user_input, errors)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                return self.async_update_reload_and_abort(entry, data_updates=data)
        else:
            user_input = {
                key: entry.data[key]
                for key in (CONF_EMAIL, CONF_URL)
                if key in entry.data
            }
        return self.async_show_form(
            step_id="reconfigure_account",
            data_schema=self.add_suggested_values_to_schema(
                _ACCOUNT_SCHEMA, user_input
            ),
            errors=errors,
        )

    async def _async_check_same_gateway(
        self, entry: ConfigEntry, data: Mapping[str, Any], errors: dict[str, str]
    ) -> bool:
        """Log in with `data`; abort if it reaches another gateway than `entry`'s."""
        connected = await self._async_connect(
            GatewayType(entry.data[CONF_GATEWAY_TYPE]), data, errors
        )
        if connected is None:
            return False
        info = connected[1]
        if info.identity_is_address and info.unique_id != entry.unique_id:
            # Its only identity is its address: a new address is the same
            # gateway moved, unless another entry already has it.
            await self.async_set_unique_id(info.unique_id, raise_on_progress=False)
            self._abort_if_unique_id_configured()
            self._new_unique_id = info.unique_id
            return True
        await self.async_set_unique_id(info.unique_id, raise_on_progress=False)
        self._abort_if_unique_id_mismatch(
            reason="wrong_account" if CONF_API_KEY in data else "unique_id_mismatch"
        )
        return True

    async def _async_connect(
        self,
        gateway_type: GatewayType,
        data: Mapping[str, Any],
        errors: dict[str, str],
    ) -> tuple[GatewayClient, GatewayInfo] | None:
        """Ask the gateway who it is; on failure fill `errors` and return None."""
        verify_ssl = bool(data.get(CONF_VERIFY_SSL, False))
        address = data.get(CONF_URL) or data[CONF_DEVICE]
        config = ClientConfig(
            url=address,
            # Accounts log in with their e-mail where devices have a user name.
            username=data.get(CONF_USERNAME, data.get(CONF_EMAIL)),
            password=data.get(CONF_PASSWORD),
            verify_ssl=verify_ssl,
            api_key=data.get(CONF_API_KEY),
            baudrate=data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE),
            pin=data.get(CONF_PIN),
        )
        client: GatewayClient | None = None
        try:
            client = create_client(
                gateway_type,
                async_get_clientsession(self.hass, verify_ssl=verify_ssl),
                config,
            )
            info = await client.get_info()
        except SimLockedError as err:
            errors["base"] = _SIM_LOCK_ERRORS.get(err.state, "invalid_auth")
        except GatewayAuthError:
            errors["base"] = (
                "invalid_api_key" if CONF_API_KEY in data else "invalid_auth"
            )
        except GatewayNoAnswerError:
            errors["base"] = "no_answer"
        except GatewayConnectionError:
            errors["base"] = (
                "cannot_open_port"
                if gateway_type is GatewayType.MODEM
                else "cannot_connect"
            )
        except GatewayError as err:
            LOGGER.debug("Unexpected answer from %s: %s", address, err)
            errors["base"] = "unexpected_answer"
        except Exception:  # noqa: BLE001 - the user must see a form, not a crash
            LOGGER.exception("Unexpected error talking to %s", address)
            errors["base"] = "unknown"
        else:
            return client, info
        finally:
            # A serial line is held exclusively: the entry opens its own.
            if client is not None:
                await client.close()
        return None


def _with_type(entry: ConfigEntry, data: dict[str, Any]) -> dict[str, Any]:
    """A modem entry's whole data: a PIN left out of the form is dropped."""
    return {CONF_GATEWAY_TYPE: entry.data[CONF_GATEWAY_TYPE], **data}


def _lan_data(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Entry data from a LAN login form, or None with `errors` filled."""
    try:
        url = normalize_url(user_input[CONF_URL])
    except ValueError:
        errors[CONF_URL] = "invalid_url"
        return None
    return {
        CONF_URL: url,
        CONF_USERNAME: user_input[CONF_USERNAME],
        CONF_PASSWORD: user_input[CONF_PASSWORD],
        CONF_VERIFY_SSL: user_input.get(CONF_VERIFY_SSL, False),
    }


def _cloud_data(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Entry data from a cloud account's form, or None with `errors` filled."""
    try:
        url = normalize_url(user_input.get(CONF_URL) or SIMFOLDER_URL)
    except ValueError:
        errors[CONF_URL] = "invalid_url"
        return None
    api_key = str(user_input[CONF_API_KEY]).strip()
    if not api_key:
        errors[CONF_API_KEY] = "invalid_api_key"
        return None
    # The API's URL ends in a slash (https://simfolder.com/api/).
    return {CONF_URL: f"{url}/", CONF_API_KEY: api_key}


def _box(low: int, high: int, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(
        min=low, max=high, step=1, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _account_data(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    """Entry data from a cloud account's login form, or None with `errors` filled."""
    try:
        url = normalize_url(user_input.get(CONF_URL) or SMSGATEWAY24_URL)
    except ValueError:
        errors[CONF_URL] = "invalid_url"
        return None
    email = str(user_input[CONF_EMAIL]).strip()
    if "@" not in email:
        errors[CONF_EMAIL] = "invalid_email"
        return None
    return {CONF_URL: url, CONF_EMAIL: email, CONF_PASSWORD: user_input[CONF_PASSWORD]}


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
                CONF_DEFAULT_RECIPIENTS: _recipients_text(
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
                        ): _box(*INBOX_MESSAGES_RANGE),
                        probatio.Optional(
                            CONF_INBOX_MAX_DAYS, default=DEFAULT_MAX_DAYS
                        ): _box(*INBOX_DAYS_RANGE, unit="d"),
                    }
                ),
                suggested,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
