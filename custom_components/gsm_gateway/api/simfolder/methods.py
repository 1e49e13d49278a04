"""The 30 methods of the SimFolder API, one coroutine each, named as SimFolder names them.

Requests are built and answers read by `simfolder_wire`; this owns the
retries of rate-limited calls (growing pauses) and the mapping of error
answers onto the shared errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
import logging
from typing import Any

import aiohttp

from .. import ClientConfig, lenient_json, simfolder_wire as wire
from ..errors import (
    GatewayAuthError,
    GatewayBusyError,
    GatewayConnectionError,
    GatewayError,
    GatewayResponseError,
)
from ..http import Backoff, HttpClient, HttpStatusError
from ..simfolder_wire import Field, Param
from .records import (
    LIST_LIMIT,
    Aggregator,
    NotificationSettings,
    Operator,
    Record,
    SimCard,
    api_error,
    checked_fields,
    read_aggregator,
    read_card,
    read_record,
    to_int,
    to_text,
)

_LOGGER = logging.getLogger(__name__)


class SimFolderApi:
    """The SimFolder API for one API key: its methods and its caches of lists."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ClientConfig,
        *,
        retry_pauses: Sequence[float] = (1.0, 2.0, 4.0, 8.0),
        backoff: Backoff | None = None,
    ) -> None:
        """`retry_pauses`: waits (s) before each retry of a rate-limited call.

        `backoff` pauses every call after the service failed (unreachable, a
        rate limit that outlasted the retries, a broken answer), longer each
        time, so it is never retried in a storm (SPEC §8). Refusals are
        answers, not failures.
        """
        self._http = HttpClient(
            session,
            config.url or wire.API_URL,
            # A cloud service has a real certificate: always check it.
            verify_ssl=True,
            timeout=config.timeout,
        )
        self._api_key = config.api_key or ""
        self._retry_pauses = tuple(retry_pauses)
        self.backoff = backoff or Backoff()
        self._devices: dict[int, Aggregator] = {}
        self._cards: dict[int, SimCard] = {}
        self._operators: dict[int, Operator] = {}
        self.answer_keys: dict[str, list[str]] = {}
        """Keys of each method's last answer (diagnostics: to correct the wire)."""
        self.rate_limited = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included (SPEC §8)."""
        return self._http.requests_made

    @requests_made.setter
    def requests_made(self, value: int) -> None:
        self._http.requests_made = value

    # --- the 30 methods -----------------------------------------------------------

    async def version(self) -> str | None:
        """`version`: the API's version."""
        payload = await self._call("version")
        if isinstance(payload, dict):
            value = payload.get(wire.FIELD_NAMES[Field.VERSION])
            return None if value is None else str(value)
        return None if payload is None else str(payload)

    async def device_list(self) -> list[Aggregator]:
        """`deviceList`: every aggregator of the account."""
        aggregators = [
            aggregator
            for record in wire.records(await self._call("deviceList"))
            if (aggregator := read_aggregator(record)) is not None
        ]
        self._devices = {a.device_id: a for a in aggregators}
        return aggregators

    async def device_state(self, device_id: int) -> list[SimCard]:
        """`deviceState`: each modem of one aggregator and the card in it."""
        payload = await self._call("deviceState", {Param.DEVICE: device_id})
        return [
            replace(card, device_id=card.device_id or device_id)
            for record in wire.records(payload)
            if (card := read_card(record)) is not None
        ]

    async def device_edit(self, device_id: int, fields: Mapping[str, Any]) -> None:
        """`deviceEdit`: change fields of an aggregator's record."""
        await self._call(
            "deviceEdit", {Param.DEVICE: device_id}, checked_fields(fields)
        )

    async def card_list(self) -> list[SimCard]:
        """`cardList`: every SIM card of the account."""
        cards = [
            card
            for record in wire.records(await self._call("cardList"))
            if (card := read_card(record)) is not None
        ]
        self._cards = {card.card_id: card for card in cards}
        return cards

    async def card_edit(self, card_id: int, fields: Mapping[str, Any]) -> None:
        """`cardEdit`: change fields of a SIM card's record."""
        await self._call("cardEdit", {Param.CARD: card_id}, checked_fields(fields))

    async def card_select(
        self, card_id: int, device_id: int | None, modem: int | None
    ) -> None:
        """`cardSelect`: connect a SIM bank's card to a modem."""
        await self._call(
            "cardSelect",
            {Param.CARD: card_id, Param.DEVICE: device_id, Param.MODEM: modem},
        )

    async def card_direct(self, card_ids: Sequence[int]) -> None:
        """`cardDirect`: connect cards for direct interaction (incoming calls)."""
        await self._call("cardDirect", {Param.CARDS: list(card_ids)})

    async def operator_list(self) -> list[Operator]:
        """`operatorList`: the mobile operators the cards name."""
        operators = [
            Operator(operator_id=op_id, title=to_text(record.get(Field.OPERATOR_TITLE)))
            for record in wire.records(await self._call("operatorList"))
            if (op_id := to_int(record.get(Field.OPERATOR))) is not None
        ]
        self._operators = {op.operator_id: op for op in operators}
        return operators

    async def operator_edit(self, operator_id: int, fields: Mapping[str, Any]) -> None:
        """`operatorEdit`: change fields of a mobile operator's record."""
        await self._call(
            "operatorEdit", {Param.OPERATOR: operator_id}, checked_fields(fields)
        )

    async def settings_get(self) -> NotificationSettings:
        """`settingsGet`: the notification URL and kinds."""
        payload = await self._call("settingsGet")
        url, kinds = wire.read_settings(payload)
        return NotificationSettings(
            url=url, kinds=kinds, account=wire.account_of(payload)
        )

    async def settings_set(self, url: str | None, kinds: Mapping[str, bool]) -> None:
        """`settingsSet`: where notifications go and which ones."""
        await self._call(
            "settingsSet", {Param.URL: url or ""}, wire.settings_params(url, kinds)
        )

    async def sms_send(self, card_id: int, number: str, text: str) -> str | None:
        """`smsSend`: one SMS from a card; returns SimFolder's id where it answers one."""
        payload = await self._call(
            "smsSend", {Param.CARD: card_id, Param.TO: number, Param.TEXT: text}
        )
        return wire.record_id(payload)

    async def sms_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`smsList`: received SMS with an id above `after`, oldest first."""
        return await self._list("smsList", after, card_id, Field.SENDER)

    async def sms_outgoing_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`smsOutgoingList`: sent SMS with an id above `after`."""
        return await self._list("smsOutgoingList", after, card_id, Field.TO)

    async def sms_delete(
        self, ids: Sequence[str] | None = None, before: datetime | None = None
    ) -> int:
        """`smsDelete`: delete received SMS by id, or all before a time."""
        return await self._delete("smsDelete", ids, before)

    async def sms_outgoing_delete(
        self, ids: Sequence[str] | None = None, before: datetime | None = None
    ) -> int:
        """`smsOutgoingDelete`: delete sent SMS by id, or all before a time."""
        return await self._delete("smsOutgoingDelete", ids, before)

    async def ussd_send(self, card_id: int, code: str) -> None:
        """`ussdSend`: send a USSD code from a card (the reply comes later)."""
        await self._call("ussdSend", {Param.CARD: card_id, Param.TEXT: code})

    async def ussd_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`ussdList`: USSD replies with an id above `after`."""
        return await self._list("ussdList", after, card_id, Field.NUMBER)

    async def ussd_delete(
        self, ids: Sequence[str] | None = None, before: datetime | None = None
    ) -> int:
        """`ussdDelete`: delete USSD replies."""
        return await self._delete("ussdDelete", ids, before)

    async def call_begin(self, card_id: int, number: str) -> None:
        """`callBegin`: dial a number from a card."""
        await self._call("callBegin", {Param.CARD: card_id, Param.DIAL: number})

    async def call_answer(self, card_id: int) -> None:
        """`callAnswer`: answer the call ringing on a card."""
        await self._call("callAnswer", {Param.CARD: card_id})

    async def call_end(self, card_id: int) -> None:
        """`callEnd`: hang up on a card."""
        await self._call("callEnd", {Param.CARD: card_id})

    async def call_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`callList`: incoming calls with an id above `after`."""
        return await self._list("callList", after, card_id, Field.INCOMING)

    async def call_outgoing_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`callOutgoingList`: outgoing calls with an id above `after`."""
        return await self._list("callOutgoingList", after, card_id, Field.OUTGOING)

    async def call_delete(
        self, ids: Sequence[str] | None = None, before: datetime | None = None
    ) -> int:
        """`callDelete`: delete incoming call records."""
        return await self._delete("callDelete", ids, before)

    async def call_outgoing_delete(
        self, ids: Sequence[str] | None = None, before: datetime | None = None
    ) -> int:
        """`callOutgoingDelete`: delete outgoing call records."""
        return await self._delete("callOutgoingDelete", ids, before)

    async def at_send(self, card_id: int, command: str) -> None:
        """`atSend`: send an AT command to a card's modem (the reply comes later)."""
        await self._call("atSend", {Param.CARD: card_id, Param.TEXT: command})

    async def at_list(
        self, after: int | None = None, card_id: int | None = None
    ) -> list[Record]:
        """`atList`: modem replies with an id above `after`."""
        return await self._list("atList", after, card_id, Field.NUMBER)

    async def telegram_send(self, text: str) -> None:
        """`telegramSend`: a message to the account owner via SimFolder's bot."""
        await self._call("telegramSend", {Param.TEXT: text})

    # --- internals -------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        params: Mapping[Param, wire.WireValue] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Any:
        """Make one API call; retry a rate-limited one after growing pauses."""
        self.backoff.check()
        try:
            payload = await self._call_once(method, params, extra)
        except GatewayConnectionError, GatewayBusyError, GatewayResponseError:
            self.backoff.failed()
            raise
        except GatewayError:
            self.backoff.succeeded()
            raise
        self.backoff.succeeded()
        return payload

    async def _call_once(
        self,
        method: str,
        params: Mapping[Param, wire.WireValue] | None,
        extra: Mapping[str, Any] | None,
    ) -> Any:
        request = wire.encode_request(method, self._api_key, params, extra)
        pauses = [*self._retry_pauses, None]
        for pause in pauses:
            try:
                response = await self._http.request(
                    request.http_method,
                    "/",
                    params=request.query or None,
                    form=request.form,
                )
                status, body = response.status, response.body
            except HttpStatusError as err:
                status, body = err.status, err.body
            except GatewayAuthError as err:
                raise GatewayAuthError("SimFolder refused the API key") from err
            try:
                answer = lenient_json.loads(body) if body.strip() else {}
            except ValueError as err:
                if status == 429 and pause is not None:
                    await self._pause(method, pause)
                    continue
                raise GatewayResponseError(
                    f"{method} answered HTTP {status} with no JSON"
                ) from err
            try:
                payload = wire.decode_answer(answer, status)
            except wire.WireError as err:
                if err.kind is wire.ErrorKind.RATE_LIMIT and pause is not None:
                    await self._pause(method, pause)
                    continue
                raise api_error(method, err) from err
            if isinstance(answer, dict):
                self.answer_keys[method] = sorted(str(k) for k in answer)
            return payload
        raise AssertionError("unreachable")  # pragma: no cover

    async def _pause(self, method: str, pause: float) -> None:
        self.rate_limited += 1
        _LOGGER.debug("SimFolder rate limit on %s: waiting %s s", method, pause)
        await asyncio.sleep(pause)

    async def _list(
        self, method: str, after: int | None, card_id: int | None, other: Field
    ) -> list[Record]:
        payload = await self._call(
            method,
            {Param.AFTER: after, Param.CARD: card_id, Param.LIMIT: LIST_LIMIT},
        )
        rows = [read_record(item, other) for item in wire.records(payload)]
        if after is not None:
            rows = [row for row in rows if row.id is None or row.id > after]
        return sorted(rows, key=lambda row: (row.id is None, row.id or 0))

    async def _delete(
        self, method: str, ids: Sequence[str] | None, before: datetime | None
    ) -> int:
        payload = await self._call(
            method, {Param.IDS: list(ids) if ids else None, Param.BEFORE: before}
        )
        return wire.deleted_count(payload, len(ids or ()))
