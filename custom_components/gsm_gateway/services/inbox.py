"""The inbox's actions (SPEC §4): `list_messages` and `mark_read`, any gateway type.

They read and mark the inbox of `..inbox`, never the gateway's own store.
With no target they cover every loaded gateway; a gateway device or
`config_entry_id` covers that gateway, a port/SIM device that SIM's messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
import heapq
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio

from ..const import DOMAIN
from ..contacts import loaded_contacts
from ..coordinator import GsmGatewayConfigEntry
from ..inbox import RECEIVED, SENT, Conversation, Inbox, InboxMessage
from .common import TARGET_FIELDS, async_resolve_targets

SERVICE_LIST_MESSAGES = "list_messages"
SERVICE_MARK_READ = "mark_read"

ATTR_DIRECTION = "direction"
ATTR_NUMBER = "number"
ATTR_SINCE = "since"
ATTR_LIMIT = "limit"
ATTR_MESSAGE_ID = "message_id"

DIRECTIONS = {"received": RECEIVED, "sent": SENT, "both": None}
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000

LIST_MESSAGES_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Optional(ATTR_DIRECTION, default="both"): probatio.In(
            list(DIRECTIONS)
        ),
        probatio.Optional(ATTR_NUMBER): cv.string,
        probatio.Optional(ATTR_SINCE): cv.datetime,
        probatio.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=MAX_LIMIT)
        ),
    }
)
MARK_READ_SCHEMA = probatio.Schema(
    {
        **TARGET_FIELDS,
        probatio.Optional(ATTR_MESSAGE_ID): probatio.All(cv.ensure_list, [cv.string]),
    }
)


@dataclass(frozen=True, kw_only=True)
class InboxScope:
    """The inbox of one loaded gateway, and the ports of it that count (None: all)."""

    entry: GsmGatewayConfigEntry
    ports: tuple[int, ...] | None = None

    @property
    def inbox(self) -> Inbox:
        """The gateway's inbox."""
        return self.entry.runtime_data.coordinator.inbox

    def message(self, row: InboxMessage) -> dict[str, Any]:
        """A row as actions and the card see it."""
        coordinator = self.entry.runtime_data.coordinator
        return {
            "direction": row.direction,
            "number": row.number,
            "name": row.name,
            "text": row.text,
            "timestamp": row.timestamp.isoformat(),
            "port": row.port,
            "status": None if row.status is None else row.status.value,
            "message_id": row.message_id,
            "device_id": coordinator.device_id_for_port(
                coordinator.port_by_number(row.port)
            ),
            "config_entry_id": self.entry.entry_id,
            "read": row.read,
            "id": f"{self.entry.entry_id}:{row.id}",
        }

    def conversations(self) -> list[Conversation]:
        """The conversations in scope, most recently active first."""
        return self.inbox.conversations(self.ports)


@callback
def async_inbox_scopes(
    hass: HomeAssistant,
    entry_id: str | None = None,
    device_ids: Iterable[str] = (),
) -> list[InboxScope]:
    """The inboxes a call names; none named: every loaded gateway's."""
    device_ids = list(device_ids)
    if entry_id is None and not device_ids:
        return [
            InboxScope(entry=entry)
            for entry in hass.config_entries.async_entries(DOMAIN)
            if entry.state is ConfigEntryState.LOADED
        ]
    data: dict[str, Any] = {ATTR_DEVICE_ID: device_ids}
    if entry_id is not None:
        data[ATTR_CONFIG_ENTRY_ID] = entry_id
    return [
        InboxScope(
            entry=target.entry,
            ports=tuple(p.number for p in target.ports) if target.ports else None,
        )
        for target in async_resolve_targets(hass, data)
    ]


def newest_first(
    scopes: Iterable[InboxScope],
    *,
    direction: str | None = None,
    number: str | None = None,
    since: datetime | None = None,
) -> Iterator[tuple[InboxScope, InboxMessage]]:
    """The matching rows of several inboxes, merged newest first."""
    streams = [
        (
            (scope, row)
            for row in scope.inbox.select(
                direction=direction, number=number, since=since, ports=scope.ports
            )
        )
        for scope in scopes
    ]
    return heapq.merge(*streams, key=lambda item: item[1].added, reverse=True)


def _scopes_of_call(call: ServiceCall) -> list[InboxScope]:
    return async_inbox_scopes(
        call.hass,
        call.data.get(ATTR_CONFIG_ENTRY_ID),
        call.data.get(ATTR_DEVICE_ID, []),
    )


async def _async_list_messages(call: ServiceCall) -> ServiceResponse:
    since: datetime | None = call.data.get(ATTR_SINCE)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt_util.get_default_time_zone())
    number: str | None = call.data.get(ATTR_NUMBER)
    # A contact's name works where a number goes (SPEC §12).
    if number is not None and (contacts := loaded_contacts(call.hass)) is not None:
        number = contacts.number_for(number) or number
    rows = newest_first(
        _scopes_of_call(call),
        direction=DIRECTIONS[call.data[ATTR_DIRECTION]],
        number=number,
        since=since,
    )
    limit: int = call.data[ATTR_LIMIT]
    messages: list[Any] = []
    for scope, row in rows:
        if len(messages) == limit:
            break
        messages.append(scope.message(row))
    return {"messages": messages}


async def _async_mark_read(call: ServiceCall) -> None:
    ids: list[str] | None = call.data.get(ATTR_MESSAGE_ID)
    for scope in _scopes_of_call(call):
        scope.inbox.async_mark_read(message_ids=ids, ports=scope.ports)


@callback
def async_register(hass: HomeAssistant) -> None:
    """Register the inbox's actions, once for every entry."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_MESSAGES,
        _async_list_messages,
        schema=LIST_MESSAGES_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_MARK_READ, _async_mark_read, schema=MARK_READ_SCHEMA
    )
