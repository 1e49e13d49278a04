"""The coordinator: one per gateway, fed by polling and by pushes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
import time
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    REGISTERED_STATES,
    CallEvent,
    Capability,
    GatewayAuthError,
    GatewayClient,
    GatewayError,
    GatewayInfo,
    GatewayState,
    GatewayStatusChange,
    InboundSms,
    Port,
    PortStatusChange,
    Push,
    PushEvent,
    Registration,
    SmsStatusUpdate,
    SubDevice,
    UssdReply,
)
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_MESSAGE_ID,
    ATTR_NUMBER,
    ATTR_PORT,
    ATTR_SENDER,
    ATTR_SENDER_NAME,
    ATTR_SIM_NUMBER,
    ATTR_STATE,
    ATTR_STATUS,
    ATTR_TEXT,
    ATTR_TIMESTAMP,
    CONF_INBOX_MAX_DAYS,
    CONF_INBOX_MAX_MESSAGES,
    CONF_SCAN_INTERVAL,
    CONF_WEBHOOK_ID,
    DOMAIN,
    EVENT_CALL,
    EVENT_SIM_STATUS,
    EVENT_SMS_RECEIVED,
    EVENT_SMS_STATUS,
    EVENT_USSD_RECEIVED,
    LOGGER,
    PUSH_SILENCE_REPAIR_AFTER,
)
from .contacts import sender_name
from .helpers import default_scan_interval
from .inbox import DEFAULT_MAX_DAYS, DEFAULT_MAX_MESSAGES, Inbox
from .messages import Fact, MessageTracker
from .outbox import Outbox
from .webhook import async_webhook_url

if TYPE_CHECKING:
    from .balance import BalanceMonitor
    from .counters import SmsCounters

RECENT_FACT_SECONDS = 300
"""A fact without an id seen again within this window is the same fact."""


@dataclass(kw_only=True)
class GsmGatewayRuntimeData:
    """What a loaded entry holds."""

    client: GatewayClient
    coordinator: GsmGatewayCoordinator
    counters: SmsCounters
    balance: BalanceMonitor
    outbox: Outbox
    kept_push_settings: dict[str, Any] | None = None
    """The gateway's own push settings, put back when the entry is removed."""


type GsmGatewayConfigEntry = ConfigEntry[GsmGatewayRuntimeData]


def port_can_send(port: Port) -> bool:
    """Tell whether a port can send now: the gateway's word, else its registration."""
    if port.available is not None:
        return port.available
    return port.registration in REGISTERED_STATES


def port_identifier(info: GatewayInfo, port_key: str) -> tuple[str, str]:
    """The device registry identifier of a port device.

    A gateway that is its one port (a modem) has its port's entities on its
    own device.
    """
    if info.single_port:
        return (DOMAIN, info.unique_id)
    return (DOMAIN, f"{info.unique_id}_{port_key}")


def sub_device_identifier(info: GatewayInfo, device_key: str) -> tuple[str, str]:
    """The device registry identifier of a sub-device (aggregator, phone)."""
    return (DOMAIN, f"{info.unique_id}_device_{device_key}")


@contextmanager
def _update_errors(translation_key: str) -> Iterator[None]:
    """Turn gateway errors into what the coordinator expects: reauth or retry."""
    try:
        yield
    except GatewayAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except GatewayError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={"error": str(err)},
        ) from err


class GsmGatewayCoordinator(DataUpdateCoordinator[GatewayState]):
    """Polls the gateway, takes its pushes, and fires the bus events of SPEC §5."""

    config_entry: GsmGatewayConfigEntry
    info: GatewayInfo
    gateway_device_id: str

    def __init__(
        self, hass: HomeAssistant, entry: GsmGatewayConfigEntry, client: GatewayClient
    ) -> None:
        interval = entry.options.get(CONF_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=(
                timedelta(seconds=interval or default_scan_interval(client.type))
            ),
            # Most polls find nothing changed: then no entity rewrites its state.
            always_update=False,
        )
        self.client = client
        self.tracker = MessageTracker(
            hass,
            entry.entry_id,
            self._fire_sms,
            self._fire_status,
            client_state=client.export_state,
        )
        self.inbox = Inbox(
            hass,
            entry.entry_id,
            max_messages=entry.options.get(
                CONF_INBOX_MAX_MESSAGES, DEFAULT_MAX_MESSAGES
            ),
            max_days=entry.options.get(CONF_INBOX_MAX_DAYS, DEFAULT_MAX_DAYS),
            name_for=lambda number: sender_name(hass, number, None),
        )
        self.last_push: datetime | None = None
        self.last_push_kind: str | None = None
        self.pushes_received = 0
        self.unannounced_since: datetime | None = None
        self._first_poll_done = False
        self._registrations: dict[str, Registration] = {}
        self._port_devices: dict[str, str] = {}
        self._sub_devices: dict[str, str] = {}
        self._recent_facts: dict[tuple[Any, ...], float] = {}
        self._push_listeners: list[CALLBACK_TYPE] = []
        self.fact_listeners: list[Callable[[Fact, Port | None], None]] = []
        """Called with each incoming SMS and send status as it fires (counters)."""

    @override
    async def _async_setup(self) -> None:
        with _update_errors("cannot_connect"):
            await self.inbox.async_load()
            await self.tracker.async_load()
            # Before identifying: the client may remember credentials the
            # gateway refused (a SIM's PIN), never to be tried again.
            self.client.restore_state(self.tracker.restored_client_state)
            try:
                self.info = await self.client.get_info()
            except GatewayAuthError:
                await self.tracker.async_commit()  # what the client now knows
                raise
            if not self.tracker.initialized and self.client.supports(Capability.INBOX):
                history = await self.client.fetch_inbox(None)
                self.tracker.async_start_history(history)
                await self.tracker.async_commit()
                await self._confirm(history)
        # What the gateway tells on its own (a modem's line) comes as pushes.
        self.config_entry.async_on_unload(self.client.subscribe(self._told))
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            identifiers={(DOMAIN, self.info.unique_id)},
            manufacturer=self.info.manufacturer,
            model=self.info.model,
            name=self.info.name,
            serial_number=self.info.unique_id,
            sw_version=self.info.firmware,
            configuration_url=self.info.configuration_url,
            connections=(
                {(dr.CONNECTION_NETWORK_MAC, self.info.mac)} if self.info.mac else set()
            ),
        )
        self.gateway_device_id = device.id

    @override
    async def _async_update_data(self) -> GatewayState:
        with _update_errors("update_failed"):
            state = await self.client.poll()
            inbox = (
                await self.client.fetch_inbox(self.tracker.high_water_mark)
                if self.client.supports(Capability.INBOX)
                else None
            )
            updates = (
                await self.client.fetch_sms_statuses()
                if self.client.has_pending_sends()
                else None
            )
            facts = await self.client.poll_events()
        # All this poll found goes into one write, before any of it fires.
        if inbox is not None:
            found = self.tracker.async_polled(inbox)
            if found and self._first_poll_done and not self.client.push_optional:
                self._note_unannounced()
        if updates is not None:
            statuses = self.tracker.async_statuses(updates)
            # Where there is no inbox to list, send results found by
            # polling that no push announced are the sign of lost pushes.
            if (
                statuses
                and self._first_poll_done
                and self.client.supports(Capability.PUSH)
                and not self.client.supports(Capability.INBOX)
            ):
                self._note_unannounced()
        if self._take_polled_facts(facts) and self._first_poll_done:
            self._note_unannounced()
        await self.tracker.async_commit()
        if inbox:
            await self._confirm(inbox)
        self.inbox.async_prune()
        self._first_poll_done = True
        self._sync_ports(state)
        return state

    @callback
    def _told(self, push: Push) -> None:
        """Take what the gateway told on its own, as a push (in its turn)."""
        self.config_entry.async_create_background_task(
            self.hass, self.async_handle_push(push), f"{DOMAIN} news"
        )

    async def _confirm(self, messages: list[InboundSms]) -> None:
        """Let the gateway forget messages that are now fired or kept on disk.

        The inbox (SPEC §11) writes its rows a moment later than the record
        that fires them: it is written first here, so that the text of a
        message the gateway forgets is on disk in the inbox too.
        """
        if not messages or not self.client.confirms_inbox:
            return
        await self.inbox.async_flush()
        try:
            await self.client.confirm_inbox([m.message_id for m in messages])
        except GatewayError as err:
            # They stay on the gateway: the next sweep confirms them again.
            LOGGER.debug("Gateway kept %s messages: %s", len(messages), err)

    @override
    async def async_config_entry_first_refresh(self) -> None:
        """Refresh, then let the facts it found fire: their ports are known now."""
        await super().async_config_entry_first_refresh()
        self.tracker.async_ready()

    @callback
    def _sync_ports(self, state: GatewayState) -> None:
        """Register new devices and fire `sim_status` for changed ports.

        Sub-devices (aggregators, phones) sit under the gateway device, and
        ports under their sub-device where they name one.
        """
        registry = dr.async_get(self.hass)
        for sub in state.devices.values():
            if sub.key not in self._sub_devices:
                device = registry.async_get_or_create(
                    config_entry_id=self.config_entry.entry_id,
                    identifiers={sub_device_identifier(self.info, sub.key)},
                    manufacturer=sub.manufacturer or self.info.manufacturer,
                    model=sub.model,
                    name=sub.name or sub.key,
                    serial_number=sub.serial_number,
                    sw_version=sub.firmware,
                    via_device_id=self.gateway_device_id,
                )
                self._sub_devices[sub.key] = device.id
        for port in state.ports.values():
            if port.key not in self._port_devices and self.info.single_port:
                self._port_devices[port.key] = self.gateway_device_id
            if port.key not in self._port_devices:
                parent = (
                    self._sub_devices.get(port.parent_key)
                    if port.parent_key is not None
                    else None
                )
                # A port the gateway names (an OpenVox span, a SIM card) is
                # called by that name; others "Port 3" in the user's language.
                naming: dict[str, Any] = (
                    {"name": port.name}
                    if port.name
                    else {
                        "translation_key": "port",
                        "translation_placeholders": {"port": str(port.number)},
                    }
                )
                device = registry.async_get_or_create(
                    config_entry_id=self.config_entry.entry_id,
                    identifiers={port_identifier(self.info, port.key)},
                    manufacturer=self.info.manufacturer,
                    model=port.network_type,
                    via_device_id=parent or self.gateway_device_id,
                    **naming,
                )
                self._port_devices[port.key] = device.id
            previous = self._registrations.get(port.key)
            self._registrations[port.key] = port.registration
            if previous is not None and previous is not port.registration:
                self._fire(
                    EVENT_SIM_STATUS,
                    port,
                    {ATTR_STATE: port.registration.value},
                )

    def port_by_number(self, number: int | None) -> Port | None:
        """Find a port by the vendor's number."""
        current: GatewayState | None = self.data
        if number is None or current is None:  # before the first poll
            return None
        return next((p for p in current.ports.values() if p.number == number), None)

    def device_id_for_port(self, port: Port | None) -> str | None:
        """The registry id of a port's device, where it has one."""
        return None if port is None else self._port_devices.get(port.key)

    def port_for_device(self, device_id: str) -> Port | None:
        """The port a port device stands for."""
        for key, known in self._port_devices.items():
            if known == device_id:
                return self.data.ports.get(key)
        return None

    def sub_device_for_device(self, device_id: str) -> SubDevice | None:
        """The sub-device (aggregator, phone) a registry device stands for."""
        for key, known in self._sub_devices.items():
            if known == device_id:
                return self.data.devices.get(key)
        return None

    @property
    def available_ports(self) -> list[Port]:
        """Ports that can send now, best signal first."""
        return sorted(
            (p for p in self.data.ports.values() if port_can_send(p)),
            key=lambda p: -(p.signal_dbm or -200),
        )

    @callback
    def _fire(self, event_type: str, port: Port | None, data: dict[str, Any]) -> None:
        self.hass.bus.async_fire(
            event_type,
            {
                ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
                ATTR_DEVICE_ID: self.device_id_for_port(port),
                ATTR_PORT: None if port is None else port.number,
                **data,
            },
        )

    @callback
    def _fire_sms(self, message: InboundSms) -> None:
        port = self.port_by_number(message.port)
        name = sender_name(
            self.hass,
            message.sender,
            message.imsi or (port.sim.imsi if port and port.sim else None),
        )
        self.inbox.async_received(message, name)
        for listener in self.fact_listeners:
            listener(message, port)
        self.hass.bus.async_fire(
            EVENT_SMS_RECEIVED,
            {
                ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
                ATTR_DEVICE_ID: self.device_id_for_port(port),
                ATTR_PORT: message.port,
                ATTR_SIM_NUMBER: (
                    port.sim.phone_number if port is not None and port.sim else None
                ),
                ATTR_SENDER: message.sender,
                ATTR_SENDER_NAME: name,
                ATTR_TEXT: message.text,
                ATTR_TIMESTAMP: message.timestamp.isoformat(),
                ATTR_MESSAGE_ID: message.message_id,
            },
        )

    @callback
    def _fire_status(self, update: SmsStatusUpdate) -> None:
        self.inbox.async_status(update)
        port = self.port_by_number(update.port)
        for listener in self.fact_listeners:
            listener(update, port)
        self.hass.bus.async_fire(
            EVENT_SMS_STATUS,
            {
                ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
                ATTR_DEVICE_ID: self.device_id_for_port(port),
                ATTR_PORT: update.port,
                ATTR_NUMBER: update.number,
                ATTR_MESSAGE_ID: update.message_id,
                ATTR_STATUS: update.status.value,
            },
        )

    @callback
    def async_add_push_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after every push (for what only pushes change).

        Kept apart from the coordinator's listeners so that a burst of pushes
        does not rewrite every entity's state once per push.
        """
        self._push_listeners.append(listener)
        return lambda: self._push_listeners.remove(listener)

    def _first_time(self, key: tuple[Any, ...]) -> bool:
        """Tell whether a fact without an id was not seen in the last minutes.

        USSD replies and calls carry no id: the same one by poll and push, or a
        push the gateway repeats, is recognised by its content.
        """
        now = time.monotonic()
        self._recent_facts = {
            known: seen
            for known, seen in self._recent_facts.items()
            if now - seen < RECENT_FACT_SECONDS
        }
        if key in self._recent_facts:
            return False
        self._recent_facts[key] = now
        return True

    @callback
    def fire_ussd(self, reply: UssdReply) -> None:
        """Fire `ussd_received` once per reply, however it reached us."""
        if self._first_time(("ussd", reply.port, reply.text)):
            self._fire(
                EVENT_USSD_RECEIVED,
                self.port_by_number(reply.port),
                {ATTR_TEXT: reply.text},
            )

    @callback
    def _fire_call(self, call: CallEvent) -> None:
        key = ("call", call.port, call.number, call.state, call.timestamp)
        if self._first_time(key):
            self._fire(
                EVENT_CALL,
                self.port_by_number(call.port),
                {ATTR_NUMBER: call.number, ATTR_STATE: call.state.value},
            )

    @callback
    def _take_polled_facts(self, facts: list[PushEvent]) -> bool:
        """Fire what polling found that a push would have told; tell if any.

        State changes among them are already in the poll's own state; what
        the backfill finds at start-up fires once Home Assistant has started.
        """
        found = False
        messages = [e for e in facts if isinstance(e, InboundSms)]
        if messages:
            found |= self.tracker.async_polled(messages) > 0
        statuses = [e for e in facts if isinstance(e, SmsStatusUpdate)]
        if statuses:
            found |= self.tracker.async_statuses(statuses) > 0
        for event in facts:
            if isinstance(event, UssdReply):
                found = True
                self.tracker.async_hold(partial(self.fire_ussd, event))
            elif isinstance(event, CallEvent):
                found = True
                self.tracker.async_hold(partial(self._fire_call, event))
        return found

    async def async_handle_push(self, push: Push) -> None:
        """Take the facts of one push; return once its messages are on disk."""
        self.last_push = dt_util.utcnow()
        self.last_push_kind = push.kind
        self.pushes_received += 1
        self._clear_unannounced()
        messages = [e for e in push.events if isinstance(e, InboundSms)]
        self.tracker.async_pushed(messages)
        self.tracker.async_statuses(
            e for e in push.events if isinstance(e, SmsStatusUpdate)
        )
        await self.tracker.async_commit()
        if messages:
            await self._confirm(messages)
        changed = False
        for event in push.events:
            if isinstance(event, UssdReply):
                self.fire_ussd(event)
            elif isinstance(event, CallEvent):
                self._fire_call(event)
            elif isinstance(event, PortStatusChange):
                changed |= self._apply_port_status(event)
            elif isinstance(event, GatewayStatusChange) and event.online is not None:
                changed |= self._apply_gateway_status(event)
        if changed:
            self.async_set_updated_data(self.data)
        for listener in list(self._push_listeners):
            listener()

    def _apply_port_status(self, change: PortStatusChange) -> bool:
        port = self.port_by_number(change.port)
        if port is None:
            return False
        registered = change.registration in REGISTERED_STATES
        updated = replace(
            port,
            registration=change.registration,
            # A module that registers is powered; one that reports power_off is not.
            powered=(
                True
                if registered
                else False
                if change.registration is Registration.POWER_OFF
                else port.powered
            ),
            sim=change.sim if change.sim is not None else port.sim,
            slot=change.slot if change.slot is not None else port.slot,
            signal_dbm=port.signal_dbm if registered else None,
        )
        self.data = replace(self.data, ports={**self.data.ports, port.key: updated})
        self._sync_ports(self.data)
        return True

    def _apply_gateway_status(self, change: GatewayStatusChange) -> bool:
        current: GatewayState | None = self.data
        if current is None:  # told before the first poll: that poll tells too
            return False
        if change.device_key is None:
            self.data = replace(self.data, online=bool(change.online))
            return True
        sub = self.data.devices.get(change.device_key)
        if sub is None:
            return False
        self.data = replace(
            self.data,
            devices={
                **self.data.devices,
                sub.key: replace(sub, online=change.online),
            },
        )
        return True

    def _note_unannounced(self) -> None:
        """Polling found messages no push announced: after a day, tell the user."""
        now = dt_util.utcnow()
        if self.unannounced_since is None:
            self.unannounced_since = now
            return
        if now - self.unannounced_since >= PUSH_SILENCE_REPAIR_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"push_not_arriving_{self.config_entry.entry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=(
                    "push_not_arriving"
                    if not self.client.supports(Capability.PUSH_CONFIG)
                    else "push_not_arriving_configured"
                    if self.client.type.on_lan
                    else "push_not_arriving_cloud"
                ),
                translation_placeholders={
                    "name": self.config_entry.title,
                    "url": self.webhook_url or "",
                },
            )

    def _clear_unannounced(self) -> None:
        if self.unannounced_since is not None:
            self.unannounced_since = None
        ir.async_delete_issue(
            self.hass, DOMAIN, f"push_not_arriving_{self.config_entry.entry_id}"
        )

    @property
    def webhook_url(self) -> str | None:
        """The URL to set as the gateway's push target; None without a webhook."""
        if CONF_WEBHOOK_ID not in self.config_entry.data:
            return None
        return async_webhook_url(self.hass, self.config_entry)

    async def async_shutdown(self) -> None:
        """Stop holding facts back for start-up; finish the write; let go of it."""
        await self.tracker.async_shutdown()
        await self.inbox.async_flush()
        await super().async_shutdown()
        await self.client.close()
