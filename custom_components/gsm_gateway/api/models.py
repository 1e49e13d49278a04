"""Models shared by every gateway client.

The Home Assistant side only ever sees these: a vendor module turns its own
answers into them, with its vendor values mapped onto the enums below in one
table per vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class GatewayType(StrEnum):
    """The four kinds of gateway (SPEC §1); the values are the config flow's menu."""

    DINSTAR = "dinstar"
    OPENVOX = "openvox"
    SIMFOLDER = "simfolder"
    SMSGATEWAY24 = "smsgateway24"

    @property
    def on_lan(self) -> bool:
        """Tell whether this kind sits on the user's network (not a cloud service)."""
        return self in (GatewayType.DINSTAR, GatewayType.OPENVOX)


class Capability(StrEnum):
    """What a gateway type can do; actions check these before calling."""

    SEND_SMS = "send_sms"
    INBOX = "inbox"
    """Received messages can be listed after an id (backfill, SPEC §7)."""
    SMS_STATUS = "sms_status"
    """Send results and delivery reports can be queried."""
    SMS_QUEUE = "sms_queue"
    STOP_SMS = "stop_sms"
    USSD = "ussd"
    STK = "stk"
    POWER = "power"
    RESET = "reset"
    SLOT = "slot"
    CDR = "cdr"
    CALL_STATE = "call_state"
    PUSH = "push"
    """The gateway pushes what happens to a webhook."""
    PUSH_CONFIG = "push_config"
    """Its API sets where it pushes (`configure_push`); else its web UI does."""
    TELEGRAM = "telegram"
    AT_COMMAND = "at_command"
    CALLS = "calls"
    SCHEDULED_SEND = "scheduled_send"
    SEND_LOOKUP = "send_lookup"
    """A send whose answer was lost can be looked up on the gateway (`lookup_send`)."""
    PORT_STATUS = "port_status"
    """Ports report their module and SIM: registration, signal, IMEI, numbers."""
    CONTACT_LISTS = "contact_lists"
    """Contact lists kept by the service, and newsletters sent to them."""
    CARD_SELECT = "card_select"
    """SIM cards of a SIM bank can be put into modems (`select_card`, `direct_cards`)."""
    RECORDS = "records"
    """The gateway's own records can be deleted (`delete_records`)."""
    EDIT = "edit"
    """The gateway's records of SIMs, devices and operators can be edited."""


class Registration(StrEnum):
    """Network registration of a port/SIM: the `registration` sensor's states."""

    REGISTERED = "registered"
    ROAMING = "roaming"
    SEARCHING = "searching"
    NOT_REGISTERED = "not_registered"
    DENIED = "denied"
    NO_SIM = "no_sim"
    PIN_REQUIRED = "pin_required"
    PUK_REQUIRED = "puk_required"
    POWER_OFF = "power_off"
    UNKNOWN = "unknown"


REGISTERED_STATES = frozenset({Registration.REGISTERED, Registration.ROAMING})


class CallState(StrEnum):
    """State of a port's voice channel: the `call_state` sensor's states."""

    IDLE = "idle"
    PROCESSING = "processing"
    RINGING = "ringing"
    ACTIVE = "active"
    ALERTING = "alerting"
    WAITING = "waiting"
    HOLDING = "holding"
    UNKNOWN = "unknown"


class SmsStatus(StrEnum):
    """Status of an outgoing message, as in `gsm_gateway_sms_status`."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


FINAL_SMS_STATUSES = frozenset(
    {SmsStatus.FAILED, SmsStatus.DELIVERED, SmsStatus.UNDELIVERED}
)


class CallEventState(StrEnum):
    """What happened to a call, as in `gsm_gateway_call`."""

    INCOMING = "incoming"
    ANSWERED = "answered"
    ENDED = "ended"
    OUTGOING = "outgoing"
    MISSED = "missed"


class RecordKind(StrEnum):
    """The gateway's own stores of records, as `delete_records` names them."""

    SMS_RECEIVED = "sms_received"
    SMS_SENT = "sms_sent"
    USSD = "ussd"
    CALLS_RECEIVED = "calls_received"
    CALLS_MADE = "calls_made"


class EditTarget(StrEnum):
    """What `edit_record` changes: a port/SIM, a sub-device, a SIM's operator."""

    PORT = "port"
    DEVICE = "device"
    OPERATOR = "operator"


class Encoding(StrEnum):
    """How the text of an outgoing SMS is encoded."""

    AUTO = "auto"
    GSM7 = "gsm7"
    UCS2 = "ucs2"


class StkAction(StrEnum):
    """The SIM Toolkit's navigation keys."""

    OK = "ok"
    CANCEL = "cancel"
    HOME = "home"


@dataclass(frozen=True, kw_only=True)
class GatewayInfo:
    """Who the gateway or account is; `unique_id` never changes for it."""

    type: GatewayType
    unique_id: str
    """Serial number, IMEI of the first module, or account id."""
    name: str
    manufacturer: str
    model: str | None = None
    firmware: str | None = None
    mac: str | None = None
    port_count: int | None = None
    configuration_url: str | None = None
    identity_is_address: bool = False
    """The gateway tells no identity of its own: `unique_id` comes from its
    address, so reconfiguring to a new address carries the entry over."""


@dataclass(frozen=True, kw_only=True)
class Sim:
    """The SIM card currently active in a port (or slot, or phone)."""

    imsi: str | None = None
    iccid: str | None = None
    phone_number: str | None = None
    operator: str | None = None
    smsc: str | None = None
    balance: str | None = None


@dataclass(frozen=True, kw_only=True)
class Port:
    """One place SMS go in and out: a gateway port, a SIM card, a phone's SIM.

    `key` is stable for the life of the port and builds its unique ids;
    `number` is the vendor's own port number, as events carry it.
    """

    key: str
    number: int
    name: str | None = None
    imei: str | None = None
    network_type: str | None = None
    registration: Registration = Registration.UNKNOWN
    signal_dbm: int | None = None
    call_state: CallState | None = None
    gprs_attached: bool | None = None
    powered: bool | None = None
    slot: int | None = None
    """Active SIM slot on multi-SIM ports (0..3); None on single-SIM ports."""
    slot_count: int = 1
    roaming: bool | None = None
    last_seen: datetime | None = None
    sim: Sim | None = None
    parent_key: str | None = None
    """For ports that belong to a sub-device (a phone's SIMs): that device's key."""
    available: bool | None = None
    """Whether the gateway offers the port for sending now, where it says so
    apart from its registration (an OpenVox span's status)."""


@dataclass(frozen=True, kw_only=True)
class SubDevice:
    """A device between the gateway or account and its ports.

    A SimFolder aggregator or SIM bank, an SmsGateway24 phone.

    `key` is stable for its life and builds its unique ids; ports under it
    name it in `Port.parent_key`.
    """

    key: str
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial_number: str | None = None
    online: bool | None = None
    last_seen: datetime | None = None
    battery: int | None = None
    """Charge in percent, where it runs on a battery (a phone)."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class GatewayState:
    """Everything one poll cycle learns."""

    online: bool = True
    ports: dict[str, Port] = field(default_factory=dict)
    devices: dict[str, SubDevice] = field(default_factory=dict)
    sms_queue: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class InboundSms:
    """A received SMS; long messages arrive whole."""

    message_id: str
    """The gateway's id of the message, or a digest of it where it has none."""
    port: int | None
    sender: str
    text: str
    timestamp: datetime
    imsi: str | None = None
    smsc: str | None = None
    sequence: int | None = None
    """A number that grows with every message, where the gateway has one (the
    high-water mark of SPEC §7)."""


@dataclass(frozen=True, kw_only=True)
class SendRequest:
    """One text to one or more numbers."""

    numbers: tuple[str, ...]
    text: str
    ports: tuple[int, ...] | None = None
    encoding: Encoding = Encoding.AUTO
    delivery_report: bool = True
    send_at: datetime | None = None
    urgent: bool = False
    reference: str | None = None
    """The caller's id of this send, the same on every attempt: where the API
    lets it, the client makes the send findable by it (`lookup_send`)."""


@dataclass(frozen=True, kw_only=True)
class SentMessage:
    """The gateway's first answer for one number of a send request."""

    number: str
    message_id: str | None
    port: int | None
    status: SmsStatus


@dataclass(frozen=True, kw_only=True)
class SendResult:
    """What a send request was answered; `task_ids` allow cancelling it."""

    messages: tuple[SentMessage, ...]
    task_ids: tuple[int, ...] = ()
    requests: int = 1
    """How many HTTP requests the send took (SPEC §8)."""


@dataclass(frozen=True, kw_only=True)
class SmsStatusUpdate:
    """A send result or a delivery report for one outgoing message."""

    message_id: str | None
    number: str
    port: int | None
    status: SmsStatus
    timestamp: datetime | None = None
    sequence: str | None = None
    """What makes this update unique, to fire it once (SPEC §7)."""
    parts: int | None = None
    """How many SMS the message went out as, where the gateway says (long text)."""


@dataclass(frozen=True, kw_only=True)
class UssdReply:
    """A USSD answer from the network."""

    port: int | None
    text: str


@dataclass(frozen=True, kw_only=True)
class StkItem:
    """One entry of a SIM Toolkit menu."""

    id: int
    text: str


@dataclass(frozen=True, kw_only=True)
class StkView:
    """What the SIM Toolkit currently shows on a port."""

    title: str
    text: str
    input_type: int | None
    items: tuple[StkItem, ...]
    frame_id: int | None


@dataclass(frozen=True, kw_only=True)
class CallEvent:
    """A call that rang, was answered, ended or was missed."""

    port: int | None
    number: str
    state: CallEventState
    timestamp: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """A call detail record."""

    port: int | None
    start: datetime | None
    answer: datetime | None
    direction: str | None
    duration: int | None = None
    source_number: str | None = None
    destination_number: str | None = None
    hangup: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PortStatusChange:
    """A pushed change of a port's registration (and SIM)."""

    port: int
    registration: Registration
    sim: Sim | None = None
    slot: int | None = None


@dataclass(frozen=True, kw_only=True)
class GatewayStatusChange:
    """A pushed change of the whole gateway (powered on/off, IP, ...).

    With `device_key`, of that sub-device only (an aggregator going offline).
    """

    online: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    device_key: str | None = None


type PushEvent = (
    InboundSms
    | SmsStatusUpdate
    | UssdReply
    | CallEvent
    | CallRecord
    | PortStatusChange
    | GatewayStatusChange
)
"""One fact a push tells; a push may tell several."""


@dataclass(frozen=True, kw_only=True)
class Push:
    """A parsed push body: what kind it was, and the facts it carried."""

    kind: str
    events: tuple[PushEvent, ...]
