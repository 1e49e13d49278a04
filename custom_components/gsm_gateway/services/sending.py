"""Sending SMS through one gateway or the first of several that can (SPEC §7).

`async_send_sms` is shared by the action and both kinds of notify. A gateway
that cannot take the message now (unreachable, no free port, busy) is passed
over for the next one named; when none can, the message goes to the first
one's outbox (`outbox.py`) and is answered `queued`, unless the caller asked
for the error at once. Whatever else a gateway answers (a refusal, a text it
cannot send) fails at once, as do checks made before anything is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
import uuid

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..api import (
    Capability,
    Encoding,
    GatewayAnswerLostError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayError,
    SendResult,
    SentMessage,
    SmsStatus,
    SmsStatusUpdate,
)
from ..const import DOMAIN, LOGGER
from ..coordinator import GsmGatewayConfigEntry
from ..helpers import translate_error
from ..inbox import async_outbox_sent
from ..outbox import Fate, QueuedSms, Route, Sender, Try
from .common import Target, aware, pick_ports


@dataclass(frozen=True, kw_only=True)
class Sent:
    """What became of a message: the gateway that took it, and its answer.

    Or the entry whose outbox keeps it: its messages are `queued`, without an id.
    """

    entry_id: str
    result: SendResult


class _NotNowError(Exception):
    """No gateway named can take the message now."""

    def __init__(self, error: GatewayError, unsure: str | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.unsure = unsure
        """The entry whose gateway may have taken it (its answer was lost)."""


class _CannotTellError(Exception):
    """A gateway may have taken the message, and its API cannot say."""


type BeforeRequest = Callable[[str], Awaitable[None]]


async def async_send_sms(
    targets: Sequence[Target],
    numbers: Sequence[str],
    text: str,
    *,
    encoding: Encoding = Encoding.AUTO,
    delivery_report: bool = True,
    send_at: datetime | None = None,
    urgent: bool = False,
    queue: bool = True,
) -> Sent:
    """Send one text to `numbers` through the first of `targets` that can take it.

    The others are fallbacks, in order. `queued` fires for each message,
    whether a gateway or the outbox took it.
    """
    for target in targets:
        target.require(Capability.SEND_SMS)
        if (send_at is not None or urgent) and not target.client.supports(
            Capability.SCHEDULED_SEND
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="scheduled_not_supported",
                translation_placeholders={"gateway": target.entry.title},
            )
    if not numbers:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    message = QueuedSms(
        id=uuid.uuid4().hex,
        numbers=tuple(numbers),
        text=text,
        routes=tuple(
            Route(entry_id=t.entry.entry_id, ports=pick_ports(t, single=False))
            for t in targets
        ),
        encoding=encoding,
        delivery_report=delivery_report,
        send_at=aware(send_at),
        urgent=urgent,
    )
    try:
        target, result = await _send(list(targets), message, None)
    except _NotNowError as err:
        if not queue:
            raise translate_error(err.error) from err
        home = targets[0]
        LOGGER.info(
            "%s cannot send now (%s): message kept in its outbox",
            home.entry.title,
            err.error,
        )
        await home.entry.runtime_data.outbox.async_add(
            replace(message, unsure=err.unsure)
        )
        queued = SendResult(
            messages=tuple(
                SentMessage(
                    number=n, message_id=None, port=None, status=SmsStatus.QUEUED
                )
                for n in message.numbers
            ),
            requests=0,
        )
        home.coordinator.inbox.async_send_result(text, queued, outbox_id=message.id)
        return Sent(entry_id=home.entry.entry_id, result=queued)
    target.coordinator.inbox.async_send_result(text, result)
    await _record(target, result)
    return Sent(entry_id=target.entry.entry_id, result=result)


async def _send(
    chain: list[Target | None], message: QueuedSms, before_request: BeforeRequest | None
) -> tuple[Target, SendResult]:
    """Send through the first gateway of `chain` (None: not loaded) that can take it.

    A gateway that may have the message already (`unsure`) is asked first,
    and no other is tried until it has told: that would send it twice.
    Raises `_NotNowError`, `_CannotTellError`, or the translated error of a refusal.
    """
    if message.unsure is not None:
        route, target = next(
            (
                (route, t)
                for route, t in zip(message.routes, chain, strict=True)
                if route.entry_id == message.unsure
            ),
            (None, None),
        )
        if route is None or target is None:
            not_loaded = GatewayConnectionError(f"{message.unsure} is not loaded")
            raise _NotNowError(not_loaded, message.unsure)
        if not target.client.supports(Capability.SEND_LOOKUP):
            raise _CannotTellError
        try:
            found = await target.client.lookup_send(message.request(route.ports))
        except GatewayConnectionError as err:
            raise _NotNowError(err, message.unsure) from err
        except GatewayError as err:
            raise translate_error(err) from err
        if found is not None:
            LOGGER.info(
                "The answer was lost, but %s had the message", target.entry.title
            )
            return target, found
    first_error: GatewayError | None = None
    for route, target in zip(message.routes, chain, strict=True):
        if target is None:
            continue
        if before_request is not None:
            await before_request(route.entry_id)
        try:
            result = await target.client.send_sms(message.request(route.ports))
        except GatewayAnswerLostError as err:
            raise _NotNowError(err, route.entry_id) from err
        except (GatewayConnectionError, GatewayBusyError) as err:
            LOGGER.debug("%s cannot send now: %s", target.entry.title, err)
            first_error = first_error or err
            continue
        except GatewayError as err:
            raise translate_error(err) from err
        return target, result
    raise _NotNowError(first_error or GatewayConnectionError("no gateway loaded"), None)


async def _record(target: Target, result: SendResult) -> None:
    """Fire the gateway's first answer for each message (on disk first)."""
    target.coordinator.tracker.async_statuses(
        SmsStatusUpdate(
            message_id=message.message_id,
            number=message.number,
            port=message.port,
            status=message.status,
            # Without an id, nothing tells two sends to one number apart.
            sequence=None if message.message_id else f"sent|{uuid.uuid4().hex}",
        )
        for message in result.messages
    )
    await target.coordinator.tracker.async_commit()


def _loaded_target(hass: HomeAssistant, route: Route) -> Target | None:
    """The gateway of a route, if its entry is loaded and has the ports named."""
    entry = hass.config_entries.async_get_entry(route.entry_id)
    if entry is None or entry.domain != DOMAIN:
        return None
    if entry.state is not ConfigEntryState.LOADED:
        return None
    loaded: GsmGatewayConfigEntry = entry
    ports = [
        loaded.runtime_data.coordinator.port_by_number(number)
        for number in route.ports or ()
    ]
    if None in ports:
        return None
    return Target(entry=loaded, ports=tuple(p for p in ports if p is not None))


def outbox_sender(hass: HomeAssistant) -> Sender:
    """What the outboxes try their messages with: `_send` through their routes."""

    async def send(message: QueuedSms, before_request: BeforeRequest) -> Try:
        chain = [_loaded_target(hass, route) for route in message.routes]
        try:
            target, result = await _send(chain, message, before_request)
        except _NotNowError as err:
            return Try(fate=Fate.LATER, unsure=err.unsure)
        except _CannotTellError:
            LOGGER.warning(
                "A gateway may have taken message %s and cannot be asked:"
                " not sent again",
                message.id,
            )
            return Try(fate=Fate.UNKNOWN)
        except HomeAssistantError as err:
            LOGGER.warning("Message %s refused: %s", message.id, err)
            return Try(fate=Fate.FAILED)
        # The inbox row of the queued message becomes the gateway's message.
        async_outbox_sent(
            hass, message.id, message.text, target.coordinator.inbox, result
        )
        await _record(target, result)
        return Try(fate=Fate.TAKEN)

    return send
