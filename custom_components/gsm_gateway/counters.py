"""Message counters per port / SIM: `sms_received` and `sms_sent` (SPEC §3, §12).

Made for Home Assistant's `utility_meter` (a monthly SIM plan): they only
grow (`total_increasing`), from when the entry was added, and are kept in the
entry's own `Store` across restarts.

Each message counts once, because the facts come from the write-ahead
tracker, which fires each incoming SMS and each send status once:
- received: one per incoming SMS; a long SMS arrives joined, and counts one;
- sent: per message Home Assistant sent, when the gateway first reports it
  sent (or delivered, or undelivered, where the `sent` report was skipped),
  as many SMS as the gateway says the text went out as (Dinstar's `count` /
  `succ_count` segments); where the gateway does not say, one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypedDict, override

from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api import Capability, InboundSms, Port, SmsStatus
from .const import DOMAIN, STORAGE_VERSION
from .entity import GsmPortEntity
from .messages import Fact

if TYPE_CHECKING:
    from .coordinator import GsmGatewayConfigEntry, GsmGatewayCoordinator

RECEIVED: Final = "sms_received"
SENT: Final = "sms_sent"
SAVE_DELAY = 5
"""Seconds a change may wait before it is written (and at unload, at once)."""
MAX_COUNTED = 1000
"""Ids of sent messages already counted: far more than are followed at once."""

_COUNTED_STATUSES = frozenset(
    {SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.UNDELIVERED}
)


class _StoredData(TypedDict):
    sms_received: dict[str, int]
    sms_sent: dict[str, int]
    counted: list[str]


def counters_store_key(entry_id: str) -> str:
    """The store of an entry's counters (removed with the entry)."""
    return f"{DOMAIN}.{entry_id}.counters"


class SmsCounters:
    """Counts of one entry, by the vendor's port number."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[_StoredData] = Store(
            hass, STORAGE_VERSION, counters_store_key(entry_id)
        )
        self._counts: dict[str, dict[str, int]] = {RECEIVED: {}, SENT: {}}
        self._counted: dict[str, None] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._dirty = False

    async def async_load(self) -> None:
        """Read the counts kept before."""
        if (data := await self._store.async_load()) is not None:
            self._counts = {
                RECEIVED: dict(data["sms_received"]),
                SENT: dict(data["sms_sent"]),
            }
            self._counted = dict.fromkeys(data["counted"])

    def value(self, kind: str, port: int) -> int:
        """A port's count."""
        return self._counts[kind].get(str(port), 0)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` after each change."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_fact(self, fact: Fact, port: Port | None) -> None:
        """Count an incoming SMS or a sent message as it fires."""
        if port is None:
            return
        if isinstance(fact, InboundSms):
            self._add(RECEIVED, port.number, 1)
            return
        if fact.status not in _COUNTED_STATUSES or fact.message_id is None:
            # Without an id the message was not Home Assistant's own.
            return
        if fact.message_id in self._counted:
            return
        self._counted[fact.message_id] = None
        while len(self._counted) > MAX_COUNTED:
            del self._counted[next(iter(self._counted))]
        self._add(SENT, port.number, max(fact.parts or 1, 1))

    def _add(self, kind: str, port: int, amount: int) -> None:
        counts = self._counts[kind]
        counts[str(port)] = counts.get(str(port), 0) + amount
        self._dirty = True
        self._store.async_delay_save(self._data, SAVE_DELAY)
        for listener in list(self._listeners):
            listener()

    def _data(self) -> _StoredData:
        self._dirty = False
        return {
            "sms_received": self._counts[RECEIVED],
            "sms_sent": self._counts[SENT],
            "counted": list(self._counted),
        }

    def as_diagnostics(self) -> dict[str, dict[str, int]]:
        """The counts by port."""
        return {kind: dict(counts) for kind, counts in self._counts.items()}

    async def async_save(self) -> None:
        """Write what waits to be written (the entry unloads)."""
        if self._dirty:
            await self._store.async_save(self._data())


async def async_setup_counters(
    hass: HomeAssistant,
    entry: GsmGatewayConfigEntry,
    coordinator: GsmGatewayCoordinator,
) -> SmsCounters:
    """Load an entry's counters and count what fires from now on."""
    counters = SmsCounters(hass, entry.entry_id)
    await counters.async_load()
    coordinator.fact_listeners.append(counters.async_fact)
    entry.async_on_unload(counters.async_save)
    return counters


COUNTER_SENSORS = (
    SensorEntityDescription(
        key=RECEIVED,
        translation_key=RECEIVED,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
    SensorEntityDescription(
        key=SENT,
        translation_key=SENT,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
)


def counter_sensors(
    coordinator: GsmGatewayCoordinator, counters: SmsCounters, port: Port
) -> list[GsmCounterSensor]:
    """A port's counters (`sms_sent` where the gateway sends)."""
    return [
        GsmCounterSensor(coordinator, counters, description, port)
        for description in COUNTER_SENSORS
        if description.key != SENT or coordinator.client.supports(Capability.SEND_SMS)
    ]


class GsmCounterSensor(GsmPortEntity, SensorEntity):
    """How many messages a port received or sent."""

    def __init__(
        self,
        coordinator: GsmGatewayCoordinator,
        counters: SmsCounters,
        description: SensorEntityDescription,
        port: Port,
    ) -> None:
        super().__init__(coordinator, description, port.key)
        self._counters = counters
        self._port_number = port.number

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self._counters.async_add_listener(self.async_write_ha_state)
        )

    @property
    @override
    def native_value(self) -> int:
        return self._counters.value(self.entity_description.key, self._port_number)
