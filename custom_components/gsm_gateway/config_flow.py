"""Config flow for GSM Gateway: pick a gateway type, log in, point its pushes here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, override

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
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
import probatio

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
from .const import (
    CONF_API_KEY,
    CONF_BAUDRATE,
    CONF_DEVICE,
    CONF_GATEWAY_TYPE,
    CONF_PIN,
    CONF_WEBHOOK_ID,
    DEFAULT_BAUDRATE,
    DOMAIN,
    LOGGER,
)
from .flow_forms import (
    ACCOUNT_REAUTH_SCHEMA,
    ACCOUNT_SCHEMA,
    ACCOUNT_TYPES,
    API_KEY_SCHEMA,
    LAN_SCHEMA,
    PIN_SCHEMA,
    REAUTH_SCHEMA,
    SIM_LOCK_ERRORS,
    SIMFOLDER_SCHEMA,
    account_data,
    cloud_data,
    entry_title,
    lan_data,
    list_serial_ports,
    modem_data,
    modem_schema,
    with_type,
)
from .options_flow import GsmGatewayOptionsFlow
from .push_target import reachable_webhook_url


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
        return await self._async_step_login(
            GatewayType.DINSTAR, LAN_SCHEMA, lan_data, user_input
        )

    async def async_step_openvox(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to an OpenVox gateway."""
        return await self._async_step_login(
            GatewayType.OPENVOX, LAN_SCHEMA, lan_data, user_input
        )

    async def async_step_simfolder(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a SimFolder account by its API key."""
        return await self._async_step_login(
            GatewayType.SIMFOLDER, SIMFOLDER_SCHEMA, cloud_data, user_input
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
            data_schema=API_KEY_SCHEMA,
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key or the API's URL of an account already added."""
        return await self._async_reconfigure(
            "reconfigure_cloud",
            SIMFOLDER_SCHEMA,
            cloud_data,
            (CONF_URL, CONF_API_KEY),
            user_input,
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
                    title=entry_title(GatewayType.MODEM, info),
                    data={CONF_GATEWAY_TYPE: GatewayType.MODEM.value, **data},
                )
        ports = await self.hass.async_add_executor_job(list_serial_ports)
        return self.async_show_form(
            step_id="modem",
            data_schema=self.add_suggested_values_to_schema(
                modem_schema(ports), user_input
            ),
            errors=errors,
        )

    async def _async_step_login(
        self,
        gateway_type: GatewayType,
        schema: probatio.Schema,
        read: Callable[[Mapping[str, Any], dict[str, str]], dict[str, Any] | None],
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """Show a login form; add the gateway it reaches, once.

        `read` turns the form into entry data (None with `errors` filled).
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            data = read(user_input, errors)
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
                self._title = entry_title(gateway_type, info)
                return await self._async_point_push(client)

        return self.async_show_form(
            step_id=gateway_type.value,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_smsgateway24(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to an SmsGateway24 account."""
        return await self._async_step_login(
            GatewayType.SMSGATEWAY24, ACCOUNT_SCHEMA, account_data, user_input
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
        if GatewayType(entry_data[CONF_GATEWAY_TYPE]) in ACCOUNT_TYPES:
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
            data_schema=ACCOUNT_REAUTH_SCHEMA,
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
            data_schema=self.add_suggested_values_to_schema(REAUTH_SCHEMA, user_input),
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
                    entry, data=with_type(entry, data)
                )
        return self.async_show_form(
            step_id="reauth_pin",
            data_schema=PIN_SCHEMA,
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
        if GatewayType(entry.data[CONF_GATEWAY_TYPE]) in ACCOUNT_TYPES:
            return await self.async_step_reconfigure_account()
        if entry.data[CONF_GATEWAY_TYPE] == GatewayType.MODEM:
            return await self.async_step_reconfigure_modem(user_input)
        return await self._async_reconfigure(
            "reconfigure",
            LAN_SCHEMA,
            lan_data,
            (CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL),
            user_input,
        )

    async def _async_reconfigure(
        self,
        step_id: str,
        schema: probatio.Schema,
        read: Callable[[Mapping[str, Any], dict[str, str]], dict[str, Any] | None],
        shown: tuple[str, ...],
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """Show a reconfigure form; check what it gives reaches the same gateway.

        `read` turns the form into entry data (None with `errors` filled);
        `shown` are the entry's values the form starts with (no secrets).
        """
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = read(user_input, errors)
            if data is not None and await self._async_check_same_gateway(
                entry, data, errors
            ):
                if self._new_unique_id is not None:
                    return self.async_update_reload_and_abort(
                        entry, unique_id=self._new_unique_id, data_updates=data
                    )
                return self.async_update_reload_and_abort(entry, data_updates=data)
        else:
            user_input = {key: entry.data[key] for key in shown if key in entry.data}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
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
                    entry, data=with_type(entry, data)
                )
            if held:
                await self.hass.config_entries.async_setup(entry.entry_id)
        else:
            user_input = {
                CONF_DEVICE: entry.data[CONF_DEVICE],
                CONF_BAUDRATE: str(entry.data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
            }
        ports = await self.hass.async_add_executor_job(list_serial_ports)
        return self.async_show_form(
            step_id="reconfigure_modem",
            data_schema=self.add_suggested_values_to_schema(
                modem_schema(ports), user_input
            ),
            errors=errors,
        )

    async def async_step_reconfigure_account(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the e-mail, password or URL of a cloud account (the same account)."""
        return await self._async_reconfigure(
            "reconfigure_account",
            ACCOUNT_SCHEMA,
            account_data,
            (CONF_EMAIL, CONF_URL),
            user_input,
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
            errors["base"] = SIM_LOCK_ERRORS.get(err.state, "invalid_auth")
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
