"""The one interface every gateway client implements.

A method the vendor's API has no equivalent for keeps the default here, which
raises `GatewayNotSupportedError`; `capabilities` says up front which ones work,
so callers can refuse an action before anything is sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from .errors import GatewayNotSupportedError
from .models import (
    CallRecord,
    Capability,
    EditTarget,
    GatewayInfo,
    GatewayState,
    GatewayType,
    InboundSms,
    Push,
    PushEvent,
    RecordKind,
    SendRequest,
    SendResult,
    SmsStatusUpdate,
    StkAction,
    StkView,
    UssdReply,
)


class GatewayClient(ABC):
    """A connection to one gateway or cloud account."""

    type: GatewayType
    capabilities: frozenset[Capability] = frozenset()
    max_numbers_per_request: int = 1
    """How many recipients one send request may carry."""

    confirms_inbox: bool = False
    """The gateway's own store must be emptied once its messages are recorded
    (a modem's SIM): the Home Assistant side then calls `confirm_inbox`."""

    push_optional: bool = False
    """Pushes only make news arrive sooner: polling alone misses nothing, so
    no repair issue is raised when they never come (a plan without webhooks)."""

    requests_made: int = 0
    """HTTP requests sent so far (for the polling budget, SPEC §8)."""

    def supports(self, capability: Capability) -> bool:
        """Tell whether this gateway type can do `capability`."""
        return capability in self.capabilities

    def _unsupported(self, capability: Capability) -> GatewayNotSupportedError:
        return GatewayNotSupportedError(capability.value)

    @abstractmethod
    async def get_info(self) -> GatewayInfo:
        """Identify the gateway; raises `GatewayAuthError` on wrong credentials."""

    @abstractmethod
    async def poll(self) -> GatewayState:
        """Read every port's state in a constant number of requests."""

    async def send_sms(self, request: SendRequest) -> SendResult:
        """Send one text to one or more numbers."""
        raise self._unsupported(Capability.SEND_SMS)

    async def lookup_send(self, request: SendRequest) -> SendResult | None:
        """What the gateway took of `request`, whose answer was lost; None: nothing.

        `request` carries the `reference` it was sent with. Only where the API
        can tell (`Capability.SEND_LOOKUP`); elsewhere it cannot be known
        whether the gateway took it.
        """
        raise self._unsupported(Capability.SEND_LOOKUP)

    async def fetch_inbox(self, after: int | None) -> list[InboundSms]:
        """List received messages whose `sequence` is greater than `after`.

        Oldest first. `after=None` lists what the gateway has. Never changes the
        gateway's state (no "mark as read").
        """
        raise self._unsupported(Capability.INBOX)

    def subscribe(self, listener: Callable[[Push], None]) -> Callable[[], None]:
        """Hear what the gateway tells on its own, outside any webhook.

        A modem says what happens on its serial line (unsolicited result
        codes); its client hands those facts to `listener` as pushes, which
        the Home Assistant side takes like a webhook's. Returns the function
        that stops listening. Gateways that only push to a webhook tell
        nothing here.
        """
        del listener
        return lambda: None

    async def confirm_inbox(self, message_ids: Collection[str]) -> None:
        """Messages the Home Assistant side has fired and recorded on disk.

        A gateway whose own store must be emptied (a modem's SIM) deletes
        them now, never before: a crash between reading and recording then
        neither loses nor repeats a message (SPEC §7). Others keep theirs.
        """
        del message_ids

    async def close(self) -> None:  # noqa: B027 - HTTP clients hold nothing open
        """Let go of the gateway (a serial line is held exclusively)."""

    def export_state(self) -> dict[str, Any]:
        """What the client wants kept across restarts, as JSON values.

        Sends it still follows (so results and delivery reports that arrive
        meanwhile still name their message), polling marks and the like. Handed
        back to `restore_state` when the entry is set up again.
        """
        return {}

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Take back what an earlier instance exported; unreadable parts are skipped."""
        del state  # A client that exports nothing has nothing to restore.

    def has_pending_sends(self) -> bool:
        """Tell whether `fetch_sms_statuses` has anything to ask about."""
        return False

    async def fetch_sms_statuses(self) -> list[SmsStatusUpdate]:
        """Query results and delivery reports of messages sent by this client."""
        return []

    async def stop_sms(self, task_id: int) -> None:
        """Cancel a send task still in the gateway's queue."""
        raise self._unsupported(Capability.STOP_SMS)

    async def send_ussd(
        self,
        port: int | None,
        code: str,
        timeout: float,  # noqa: ASYNC109 - waiting for the reply is the call's job
    ) -> UssdReply:
        """Send a USSD code and wait up to `timeout` seconds for the reply."""
        raise self._unsupported(Capability.USSD)

    async def stk_view(self, port: int) -> StkView:
        """Read what the SIM Toolkit shows on `port`."""
        raise self._unsupported(Capability.STK)

    async def stk_action(
        self,
        port: int,
        *,
        item: int | None = None,
        action: StkAction | None = None,
        text: str | None = None,
    ) -> StkView:
        """Pick an item, send input or a key, and return the next view."""
        raise self._unsupported(Capability.STK)

    async def set_power(self, port: int, on: bool) -> None:
        """Turn a port's radio module on or off."""
        raise self._unsupported(Capability.POWER)

    async def reset_module(self, port: int) -> None:
        """Restart a port's radio module."""
        raise self._unsupported(Capability.RESET)

    async def select_slot(self, port: int, slot: int) -> None:
        """Switch a multi-SIM port to another SIM slot (0..3)."""
        raise self._unsupported(Capability.SLOT)

    async def make_call(self, port: int, number: str) -> None:
        """Dial `number` from `port`."""
        raise self._unsupported(Capability.CALLS)

    async def answer_call(self, port: int) -> None:
        """Answer the call ringing on `port`."""
        raise self._unsupported(Capability.CALLS)

    async def end_call(self, port: int) -> None:
        """Hang up the call on `port`."""
        raise self._unsupported(Capability.CALLS)

    async def send_at_command(
        self,
        port: int,
        command: str,
        timeout: float,  # noqa: ASYNC109 - waiting for the reply is the call's job
    ) -> str:
        """Send an AT command to the modem of `port` and return its reply."""
        raise self._unsupported(Capability.AT_COMMAND)

    async def select_card(self, port: int, card: int) -> None:
        """Put SIM card `card` (a port number) into the modem `port` uses now."""
        raise self._unsupported(Capability.CARD_SELECT)

    async def direct_cards(self, ports: Sequence[int]) -> None:
        """Connect these cards for direct interaction (incoming calls)."""
        raise self._unsupported(Capability.CARD_SELECT)

    async def delete_records(
        self,
        kind: RecordKind,
        ids: Sequence[str] | None = None,
        before: datetime | None = None,
    ) -> int:
        """Delete records from the gateway's own store; return how many went."""
        raise self._unsupported(Capability.RECORDS)

    async def edit_record(
        self, target: EditTarget, key: str, fields: Mapping[str, Any]
    ) -> None:
        """Change fields of a record the gateway keeps.

        `key` names it: a port/SIM by its number, a sub-device by its key, the
        operator of a port's SIM by the port's number.
        """
        raise self._unsupported(Capability.EDIT)

    async def poll_events(self) -> list[PushEvent]:
        """Facts newer than the client's marks that a lost push would have told.

        For gateways that list what they push (USSD replies, calls); the
        caller treats them as pushed facts. Marks travel in `export_state`.
        """
        return []

    async def get_cdr(
        self,
        ports: Sequence[int] | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[CallRecord]:
        """Read call detail records."""
        raise self._unsupported(Capability.CDR)

    async def send_telegram(self, text: str) -> None:
        """Send `text` to the account owner through the service's Telegram bot."""
        raise self._unsupported(Capability.TELEGRAM)

    async def create_contact_list(self, name: str) -> str:
        """Create a contact list on the service; return its id."""
        raise self._unsupported(Capability.CONTACT_LISTS)

    async def add_contact(self, list_id: str, number: str, name: str | None) -> str:
        """Add a contact to a list on the service; return the contact's id."""
        raise self._unsupported(Capability.CONTACT_LISTS)

    async def send_newsletter(
        self,
        list_ids: Sequence[str],
        text: str,
        *,
        title: str,
        send_at: datetime | None = None,
        port: int | None = None,
    ) -> str:
        """Send `text` to every contact of the lists, from `port`; return its id."""
        raise self._unsupported(Capability.CONTACT_LISTS)

    def diagnostics(self) -> dict[str, Any]:
        """What the client knows that helps a developer correct it (no secrets).

        For APIs built from incomplete documents: the shapes of the answers
        actually received, retries, and the like.
        """
        return {}

    async def read_push_settings(self) -> dict[str, Any] | None:
        """The gateway's own push settings, to put back later; None where unreadable.

        Only for gateways whose API sets their push target (`configure_push`).
        """
        return None

    async def configure_push(self, url: str) -> bool:
        """Point the gateway's pushes at `url`; False where only its web UI can."""
        return False

    async def restore_push_settings(self, saved: Mapping[str, Any]) -> None:
        """Put back settings `read_push_settings` returned (the entry is removed)."""
        del saved  # Nothing was changed where nothing can be set.

    @abstractmethod
    def parse_push(
        self,
        body: bytes,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Push:
        """Read a push the gateway sent; raises `PushError` if it is not one.

        Raises `ForeignPushError` for a well-formed push of another gateway.
        """
