"""SIM balance by USSD (SPEC §12): on a schedule and by the `check_balance` button.

Options of the entry: `balance_code` (e.g. `*100#`; none, no checks),
`balance_interval` (hours, default 24) and `balance_pattern` (a regular
expression for replies whose first number is not the amount; its first
group, else the whole match, is read).

The schedule spreads the checks: one port at most every `interval / ports`,
the one whose last check is the oldest, so an 8-port gateway with a daily
check sends one USSD every three hours, not eight at once. Checks are kept
in the entry's own `Store`, so a restart neither repeats nor delays them. A
port that is not registered is skipped (the network would not answer), and a
port's USSD never overlaps another on the same port: the `send_ussd` action
and the checks share one lock per port.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING, Any, Final, TypedDict, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import REGISTERED_STATES, Capability, GatewayError, Port
from .const import DOMAIN, LOGGER, STORAGE_VERSION
from .entity import GsmPortEntity, async_add_port_entities
from .helpers import translate_error

if TYPE_CHECKING:
    from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator

CONF_BALANCE_CODE: Final = "balance_code"
CONF_BALANCE_INTERVAL: Final = "balance_interval"
CONF_BALANCE_PATTERN: Final = "balance_pattern"
DEFAULT_BALANCE_INTERVAL: Final = 24
"""Hours between two checks of one SIM."""
FIRST_CHECK_DELAY: Final = timedelta(minutes=1)
MIN_STEP: Final = timedelta(minutes=1)
USSD_TIMEOUT: Final = 30

_DATA_LOCKS: HassKey[dict[tuple[str, int], asyncio.Lock]] = HassKey(
    f"{DOMAIN}_ussd_locks"
)

# The first amount: digits with an optional sign, thousands grouped by a
# space (`1 234,56`), a decimal comma or point. Operators write both.
_AMOUNT = re.compile(
    r"[-\u2212]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|[-\u2212]?\d+(?:[.,]\d+)?"
)


def parse_amount(reply: str, pattern: re.Pattern[str] | None = None) -> float | None:
    """The amount a balance reply names, or None when it names none."""
    text = reply
    if pattern is not None:
        if (match := pattern.search(reply)) is None:
            return None
        text = next((group for group in match.groups() if group), match.group(0))
    if (found := _AMOUNT.search(text)) is None:
        return None
    number = re.sub(r"[ \u00a0\u202f]", "", found.group(0)).replace("\u2212", "-")
    return float(number.replace(",", "."))


def compile_pattern(value: str | None) -> re.Pattern[str] | None:
    """The option's regular expression; raises re.error when it is not one."""
    return re.compile(value) if value else None


@callback
def ussd_lock(hass: HomeAssistant, entry_id: str, port: int) -> asyncio.Lock:
    """The lock every USSD on one port takes, so that two never overlap."""
    locks = hass.data.setdefault(_DATA_LOCKS, {})
    return locks.setdefault((entry_id, port), asyncio.Lock())


@dataclass(kw_only=True)
class BalanceReading:
    """What the last check of a SIM found."""

    amount: float | None = None
    reply: str | None = None
    checked: datetime | None = None
    warned: bool = False


class _StoredReading(TypedDict):
    amount: float | None
    reply: str | None
    checked: str | None


def balance_store_key(entry_id: str) -> str:
    """The store of an entry's balance readings (removed with the entry)."""
    return f"{DOMAIN}.{entry_id}.balance"


class BalanceMonitor:
    """Checks the balance of an entry's SIMs and keeps what it read."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: GsmGatewayConfigEntry,
        coordinator: GsmGatewayCoordinator,
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self._store: Store[dict[str, _StoredReading]] = Store(
            hass, STORAGE_VERSION, balance_store_key(entry.entry_id)
        )
        self.code: str | None = entry.options.get(CONF_BALANCE_CODE) or None
        self.interval = timedelta(
            hours=entry.options.get(CONF_BALANCE_INTERVAL, DEFAULT_BALANCE_INTERVAL)
        )
        self.pattern = compile_pattern(entry.options.get(CONF_BALANCE_PATTERN))
        self.readings: dict[int, BalanceReading] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._dirty = False

    @property
    def enabled(self) -> bool:
        """Tell whether this entry checks balances at all."""
        return self.code is not None and self._coordinator.client.supports(
            Capability.USSD
        )

    async def async_start(self) -> None:
        """Read the last checks and start the schedule."""
        if (data := await self._store.async_load()) is not None:
            for port, item in data.items():
                self.readings[int(port)] = BalanceReading(
                    amount=item["amount"],
                    reply=item["reply"],
                    checked=dt_util.parse_datetime(item["checked"] or ""),
                )
        if self.enabled:
            self._schedule(FIRST_CHECK_DELAY)
        self._entry.async_on_unload(self._async_stop)

    async def _async_stop(self) -> None:
        """Stop the schedule; write the readings now (the entry unloads)."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if self._dirty:
            await self._store.async_save(self._data())

    def _schedule(self, delay: timedelta) -> None:
        self._unsub_timer = async_call_later(self._hass, delay, self._tick)

    @property
    def step(self) -> timedelta:
        """The pause between two scheduled checks: the interval shared by the ports."""
        count = max(len(self._coordinator.data.ports), 1)
        return max(self.interval / count, MIN_STEP)

    async def _tick(self, _now: datetime) -> None:
        self._unsub_timer = None
        try:
            if (port := self._due_port()) is not None:
                try:
                    await self.async_check(port)
                except GatewayError as err:
                    LOGGER.warning(
                        "Balance check on port %s failed: %s", port.number, err
                    )
        finally:
            self._schedule(self.step)

    def _due_port(self) -> Port | None:
        """The registered port whose balance was checked longest ago, if due."""
        now = dt_util.utcnow()
        due: list[tuple[datetime, int, Port]] = []
        for port in self._coordinator.data.ports.values():
            if port.registration not in REGISTERED_STATES:
                continue
            checked = self.readings.get(port.number, BalanceReading()).checked
            if checked is None or now - checked >= self.interval:
                due.append(
                    (
                        checked or datetime.min.replace(tzinfo=now.tzinfo),
                        port.number,
                        port,
                    )
                )
        return min(due, key=lambda item: item[:2])[2] if due else None

    async def async_check(self, port: Port) -> BalanceReading:
        """Send the balance code on a port now and read the reply.

        Raises GatewayError when the gateway fails; a reply without an amount
        keeps the amount read before (with one warning until one is read).
        """
        assert self.code is not None
        async with ussd_lock(self._hass, self._entry.entry_id, port.number):
            reply = await self._coordinator.client.send_ussd(
                port.number, self.code, USSD_TIMEOUT
            )
        self._coordinator.fire_ussd(reply)
        reading = self.readings.setdefault(port.number, BalanceReading())
        reading.reply = reply.text
        reading.checked = dt_util.utcnow()
        amount = parse_amount(reply.text, self.pattern)
        if amount is not None:
            reading.amount = amount
            reading.warned = False
        elif not reading.warned:
            reading.warned = True
            LOGGER.warning(
                "The balance reply on port %s names no amount (set the option "
                "balance_pattern to read it): %r",
                port.number,
                reply.text,
            )
        self._dirty = True
        self._store.async_delay_save(self._data, 1)
        for listener in list(self._listeners):
            listener()
        return reading

    def _data(self) -> dict[str, _StoredReading]:
        self._dirty = False
        return {
            str(port): {
                "amount": reading.amount,
                "reply": reading.reply,
                "checked": reading.checked.isoformat() if reading.checked else None,
            }
            for port, reading in self.readings.items()
        }

    def as_diagnostics(self) -> dict[str, Any]:
        """Whether checks run, and what they read (amounts, no reply text)."""
        return {
            "enabled": self.enabled,
            "interval_hours": self.interval.total_seconds() / 3600,
            "pattern": self.pattern is not None,
            "readings": {
                str(port): {
                    "amount": reading.amount,
                    "checked": reading.checked.isoformat() if reading.checked else None,
                }
                for port, reading in sorted(self.readings.items())
            },
        }

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after each check."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)


BALANCE = SensorEntityDescription(
    key="balance",
    translation_key="balance",
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=2,
)
CHECK_BALANCE = ButtonEntityDescription(
    key="check_balance", translation_key="check_balance"
)


def _has_balance(monitor: BalanceMonitor, port: Port) -> bool:
    """A sensor where the entry checks by USSD, or the gateway reports a balance."""
    return monitor.enabled or (port.sim is not None and port.sim.balance is not None)


@callback
def async_add_balance_sensors(
    entry: GsmGatewayConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """One `balance` sensor a SIM, added once it has one."""
    coordinator = entry.runtime_data.coordinator
    monitor = entry.runtime_data.balance
    known: set[str] = set()

    @callback
    def add_new() -> None:
        new = [
            port
            for port in coordinator.data.ports.values()
            if port.key not in known and _has_balance(monitor, port)
        ]
        known.update(port.key for port in new)
        if new:
            async_add_entities(
                GsmBalanceSensor(coordinator, monitor, port) for port in new
            )

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


@callback
def async_add_balance_buttons(
    entry: GsmGatewayConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A `check_balance` button a port, where the entry checks balances."""
    coordinator = entry.runtime_data.coordinator
    monitor = entry.runtime_data.balance
    if not monitor.enabled:
        return
    async_add_port_entities(
        entry,
        async_add_entities,
        lambda port: [GsmCheckBalanceButton(coordinator, monitor, port)],
    )


class GsmBalanceSensor(GsmPortEntity, SensorEntity):
    """The SIM's balance: read by USSD, else as the gateway reports it."""

    def __init__(
        self,
        coordinator: GsmGatewayCoordinator,
        monitor: BalanceMonitor,
        port: Port,
    ) -> None:
        super().__init__(coordinator, BALANCE, port.key)
        self._monitor = monitor
        self._port_number = port.number

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self._monitor.async_add_listener(self.async_write_ha_state)
        )

    def _reported(self) -> str | None:
        """The balance text the gateway reports itself (Dinstar `remain_credit`)."""
        sim = self.coordinator.data.ports[self.port_key].sim
        return sim.balance if sim is not None else None

    @property
    @override
    def native_value(self) -> float | None:
        reading = self._monitor.readings.get(self._port_number)
        if reading is not None and reading.amount is not None:
            return reading.amount
        reported = self._reported()
        return parse_amount(reported) if reported else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        reading = self._monitor.readings.get(self._port_number)
        if reading is not None and reading.reply is not None:
            return {"reply": reading.reply}
        return {"reply": self._reported()}


class GsmCheckBalanceButton(GsmPortEntity, ButtonEntity):
    """Checks the SIM's balance now."""

    def __init__(
        self,
        coordinator: GsmGatewayCoordinator,
        monitor: BalanceMonitor,
        port: Port,
    ) -> None:
        super().__init__(coordinator, CHECK_BALANCE, port.key)
        self._monitor = monitor

    @override
    async def async_press(self) -> None:
        try:
            await self._monitor.async_check(self.port)
        except GatewayError as err:
            raise translate_error(err) from err
