"""What the config and options flows ask and check: forms, serial ports, typed data."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
)
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
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
    GatewayInfo,
    GatewayType,
)
from .const import (
    CONF_API_KEY,
    CONF_BAUDRATE,
    CONF_DEVICE,
    CONF_GATEWAY_TYPE,
    CONF_PIN,
    DEFAULT_BAUDRATE,
    LOGGER,
)

SMSGATEWAY24_URL = "https://smsgateway24.com/getdata/"

MIN_SCAN_INTERVAL = 10
MAX_SCAN_INTERVAL = 3600
MAX_SEND_RETRY_HOURS = 168
INBOX_MESSAGES_RANGE = (100, 10000)
INBOX_DAYS_RANGE = (1, 3650)

PHONE_NUMBER = re.compile(r"(?=.{3,24}$)\+?[0-9]+")
NUMBER_SEPARATORS = re.compile(r"[\s().-]")

LAN_SCHEMA = probatio.Schema(
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

API_KEY_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)

SIMFOLDER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_API_KEY): API_KEY_SELECTOR,
        probatio.Required(CONF_URL, default=SIMFOLDER_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL, autocomplete="url")
        ),
    }
)

API_KEY_SCHEMA = probatio.Schema({probatio.Required(CONF_API_KEY): API_KEY_SELECTOR})

REAUTH_SCHEMA = probatio.Schema(
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


ACCOUNT_SCHEMA = probatio.Schema(
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

ACCOUNT_REAUTH_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        ),
    }
)

ACCOUNT_TYPES = frozenset({GatewayType.SMSGATEWAY24})
"""Types whose login is an account's e-mail and password, not a device's user."""


PIN_SCHEMA = probatio.Schema(
    {
        probatio.Optional(CONF_PIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)

BAUDRATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]
SIM_LOCK_ERRORS = {
    "pin_required": "pin_required",
    "pin_wrong": "invalid_pin",
    "puk_required": "puk_required",
}
"""`SimLockedError.state` to the flow's error key."""


def list_serial_ports() -> list[SelectOptionDict]:
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

        return by_id_first(
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
    return by_id_first(options)


def by_id_first(options: list[SelectOptionDict]) -> list[SelectOptionDict]:
    """Stable `/dev/serial/by-id/` paths before the others."""
    return sorted(
        options,
        key=lambda option: not option["value"].startswith("/dev/serial/by-id/"),
    )


def modem_schema(ports: list[SelectOptionDict]) -> probatio.Schema:
    """The modem form: the ports Home Assistant sees (or one typed), speed, PIN."""
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
        number = NUMBER_SEPARATORS.sub("", item)
        if not number:
            continue
        if not PHONE_NUMBER.fullmatch(number):
            raise ValueError(item.strip())
        if number not in numbers:
            numbers.append(number)
    return numbers


def recipients_text(recipients: list[str] | str | None) -> str:
    """Default recipients as the options form shows them."""
    if isinstance(recipients, str):
        return recipients
    return ", ".join(recipients or [])


def entry_title(gateway_type: GatewayType, info: GatewayInfo) -> str:
    """The new entry's title: the gateway's own name, else brand and identity."""
    if info.name:
        return info.name
    brand = info.model or info.manufacturer or gateway_type.value.title()
    return f"{brand} {info.unique_id}"


def with_type(entry: ConfigEntry, data: dict[str, Any]) -> dict[str, Any]:
    """A modem entry's whole data: a PIN left out of the form is dropped."""
    return {CONF_GATEWAY_TYPE: entry.data[CONF_GATEWAY_TYPE], **data}


def lan_data(
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


def cloud_data(
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


def box(low: int, high: int, unit: str | None = None) -> NumberSelector:
    """A number typed in a box, in whole steps."""
    config = NumberSelectorConfig(
        min=low, max=high, step=1, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def account_data(
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
