"""The websocket API the inbox card speaks (SPEC §11).

Reading is for every user, as the inbox's actions are; what writes (marking
read, sending) is for administrators. A conversation is every message with
one number across the gateways and SIMs the card shows; pages are counted
from the newest.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import (
    async_response,
    require_admin,
    websocket_command,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import probatio

from .contacts import async_get_contacts
from .inbox import SIGNAL_INBOX_UPDATED, InboxMessage
from .services import async_send_sms, parse_numbers
from .services.common import async_resolve_targets
from .services.inbox import InboxScope, async_inbox_scopes, newest_first

SCOPE_FIELDS: dict[Any, Any] = {
    probatio.Optional("config_entry_id"): str,
    probatio.Optional("device_id"): str,
}
PAGE_FIELDS: dict[Any, Any] = {
    probatio.Optional("offset", default=0): probatio.All(int, probatio.Range(min=0)),
    probatio.Optional("limit", default=20): probatio.All(
        int, probatio.Range(min=1, max=200)
    ),
}


def _scopes(hass: HomeAssistant, msg: dict[str, Any]) -> list[InboxScope]:
    device_id = msg.get("device_id")
    return async_inbox_scopes(
        hass, msg.get("config_entry_id"), [device_id] if device_id else []
    )


@websocket_command(
    {
        probatio.Required("type"): "gsm_gateway/inbox/conversations",
        **SCOPE_FIELDS,
        **PAGE_FIELDS,
    }
)
@callback
def ws_conversations(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Conversations, the most recently active first, one page of them."""
    merged: dict[str, list[tuple[InboxScope, InboxMessage]]] = {}
    for scope in _scopes(hass, msg):
        for conversation in scope.conversations():
            merged.setdefault(conversation.key, []).extend(
                (scope, row) for row in conversation.messages
            )
    threads = sorted(
        merged.values(),
        key=lambda rows: max(row.added for _scope, row in rows),
        reverse=True,
    )
    page = threads[msg["offset"] : msg["offset"] + msg["limit"]]
    conversations = []
    for rows in page:
        scope, last = max(rows, key=lambda item: item[1].added)
        conversations.append(
            {
                "number": last.number,
                "name": next((row.name for _s, row in rows if row.name), None),
                "count": len(rows),
                "unread": sum(1 for _s, row in rows if not row.read),
                "last": scope.message(last),
            }
        )
    connection.send_result(
        msg["id"],
        {
            "conversations": conversations,
            "total": len(threads),
            "unread": sum(
                1 for rows in threads for _scope, row in rows if not row.read
            ),
        },
    )


@websocket_command(
    {
        probatio.Required("type"): "gsm_gateway/inbox/messages",
        probatio.Required("number"): str,
        **SCOPE_FIELDS,
        **PAGE_FIELDS,
    }
)
@callback
def ws_messages(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The messages with one number, newest first, one page of them."""
    messages: list[dict[str, Any]] = []
    more = False
    offset, limit = msg["offset"], msg["limit"]
    for index, (scope, row) in enumerate(
        newest_first(_scopes(hass, msg), number=msg["number"])
    ):
        if index < offset:
            continue
        if len(messages) == limit:
            more = True
            break
        messages.append(scope.message(row))
    connection.send_result(msg["id"], {"messages": messages, "more": more})


@websocket_command(
    {probatio.Required("type"): "gsm_gateway/inbox/subscribe", **SCOPE_FIELDS}
)
@callback
def ws_subscribe(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Tell the card each time an inbox it shows changes (a burst: once)."""
    wanted = {scope.entry.entry_id for scope in _scopes(hass, msg)}
    everything = "config_entry_id" not in msg and "device_id" not in msg

    @callback
    def changed(entry_id: str) -> None:
        if everything or entry_id in wanted:
            connection.send_event(msg["id"], {"config_entry_id": entry_id})

    connection.subscriptions[msg["id"]] = async_dispatcher_connect(
        hass, SIGNAL_INBOX_UPDATED, changed
    )
    connection.send_result(msg["id"])


@websocket_command(
    {
        probatio.Required("type"): "gsm_gateway/inbox/mark_read",
        probatio.Optional("number"): str,
        probatio.Optional("message_id"): [str],
        **SCOPE_FIELDS,
    }
)
@require_admin
@callback
def ws_mark_read(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Mark a conversation (or named messages, or all) read."""
    number = msg.get("number")
    marked = sum(
        scope.inbox.async_mark_read(
            message_ids=msg.get("message_id"),
            numbers=None if number is None else [number],
            ports=scope.ports,
        )
        for scope in _scopes(hass, msg)
    )
    connection.send_result(msg["id"], {"marked": marked})


@websocket_command(
    {
        probatio.Required("type"): "gsm_gateway/inbox/send",
        probatio.Required("number"): str,
        probatio.Required("text"): probatio.All(str, probatio.Length(min=1)),
        **SCOPE_FIELDS,
    }
)
@require_admin
@async_response
async def ws_send(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Send a text through the SIM (or gateway) chosen, as `send_sms` does.

    The number may be a contact's name, as everywhere a number goes.
    """
    data: dict[str, Any] = {}
    if "config_entry_id" in msg:
        data["config_entry_id"] = msg["config_entry_id"]
    if "device_id" in msg:
        data["device_id"] = [msg["device_id"]]
    # One entry or one device names one gateway (another's device is refused).
    (target,) = async_resolve_targets(hass, data)
    contacts = await async_get_contacts(hass)
    numbers = parse_numbers(contacts.resolve([msg["number"]]))
    # Kept in the outbox, as by send_sms, when the gateway cannot take it now.
    result = (await async_send_sms([target], numbers, msg["text"])).result
    connection.send_result(
        msg["id"],
        {
            "messages": [
                {
                    "number": message.number,
                    "message_id": message.message_id,
                    "port": message.port,
                    "status": message.status.value,
                }
                for message in result.messages
            ]
        },
    )


@websocket_command(
    {probatio.Required("type"): "gsm_gateway/inbox/sims", **SCOPE_FIELDS}
)
@callback
def ws_sims(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The gateways and SIMs the card can send through, by their device names."""
    registry = dr.async_get(hass)
    gateways = []
    for scope in _scopes(hass, msg):
        coordinator = scope.entry.runtime_data.coordinator
        sims = []
        for port in sorted(coordinator.data.ports.values(), key=lambda p: p.number):
            if scope.ports is not None and port.number not in scope.ports:
                continue
            device_id = coordinator.device_id_for_port(port)
            device = registry.async_get(device_id) if device_id else None
            sims.append(
                {
                    "device_id": device_id,
                    "port": port.number,
                    "name": (
                        (device.name_by_user or device.name)
                        if device is not None
                        else port.name
                    ),
                }
            )
        gateways.append(
            {
                "config_entry_id": scope.entry.entry_id,
                "title": scope.entry.title,
                "sims": sims,
            }
        )
    connection.send_result(msg["id"], {"gateways": gateways})


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the card's commands, once for every entry."""
    for command in (
        ws_conversations,
        ws_messages,
        ws_subscribe,
        ws_mark_read,
        ws_send,
        ws_sims,
    ):
        async_register_command(hass, command)
