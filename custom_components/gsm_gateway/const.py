"""Constants for the GSM Gateway integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "gsm_gateway"
LOGGER = logging.getLogger(__package__)

CONF_GATEWAY_TYPE: Final = "gateway_type"
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
"""Home Assistant Cloud's URL for the entry's webhook, once made (cloud gateways)."""
CONF_API_KEY: Final = "api_key"
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_DEFAULT_RECIPIENTS: Final = "default_recipients"
CONF_SEND_RETRY_HOURS: Final = "send_retry_hours"
DEFAULT_SEND_RETRY_HOURS: Final = 24
CONF_INBOX_MAX_MESSAGES: Final = "inbox_max_messages"
CONF_INBOX_MAX_DAYS: Final = "inbox_max_days"

CONF_DEVICE: Final = "device"
CONF_BAUDRATE: Final = "baudrate"
CONF_PIN: Final = "pin"

DEFAULT_BAUDRATE: Final = 115200

DEFAULT_LAN_INTERVAL: Final = timedelta(seconds=30)
DEFAULT_CLOUD_INTERVAL: Final = timedelta(seconds=60)

MAX_PUSH_BYTES: Final = 256 * 1024
PUSH_SILENCE_REPAIR_AFTER: Final = timedelta(days=1)

EVENT_SMS_RECEIVED: Final = f"{DOMAIN}_sms_received"
EVENT_SMS_STATUS: Final = f"{DOMAIN}_sms_status"
EVENT_USSD_RECEIVED: Final = f"{DOMAIN}_ussd_received"
EVENT_CALL: Final = f"{DOMAIN}_call"
EVENT_SIM_STATUS: Final = f"{DOMAIN}_sim_status"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_PORT: Final = "port"
ATTR_SIM_NUMBER: Final = "sim_number"
ATTR_SENDER: Final = "sender"
ATTR_SENDER_NAME: Final = "sender_name"
ATTR_TEXT: Final = "text"
ATTR_TIMESTAMP: Final = "timestamp"
ATTR_MESSAGE_ID: Final = "message_id"
ATTR_NUMBER: Final = "number"
ATTR_STATUS: Final = "status"
ATTR_STATE: Final = "state"

STORAGE_VERSION: Final = 1
