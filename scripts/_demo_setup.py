"""Prepare the demo's Home Assistant configuration directory.

Writes what a newcomer would otherwise click through: the configuration, an
onboarded instance with a `demo`/`demo` user, a GSM Gateway config entry
per bundled simulator with a few messages in its inbox, and the dashboard
"GSM Gateway" (the inbox card, each SIM's signal and registration) that
Home Assistant opens on. Files that exist are kept (edits survive), and an entry
is added only when the configuration has none for that simulator. Prints one
line per entry, `<type> <webhook id>`: the Dinstar simulator is told where to
push; the others are pointed there by the integration itself.

Usage: python scripts/_demo_setup.py CONFIG_DIR
"""

from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Any
from zoneinfo import available_timezones

from homeassistant import config_entries
from homeassistant.components import webhook
from homeassistant.components.analytics import const as analytics_const
from homeassistant.components.onboarding import (
    STORAGE_KEY as ONBOARDING_KEY,
    STORAGE_VERSION as ONBOARDING_VERSION,
    const as onboarding_const,
)
from homeassistant.util.ulid import ulid_now

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "gsm_gateway"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"
DEMO_GATEWAYS: list[dict[str, Any]] = [
    {
        "gateway_type": "dinstar",
        "title": "Dinstar demo (8 ports)",
        "unique_id": "dbd2-0325-0044-0088",
        "data": {
            "url": "http://127.0.0.1:8081",
            "username": "admin",
            "password": "admin",
        },
        # The simulator answers *102# like a Ukrainian operator: each SIM's
        # balance sensor fills on its schedule or its Check balance button.
        "options": {"balance_code": "*102#", "balance_interval": 24},
    },
    {
        "gateway_type": "openvox",
        "title": "OpenVox demo (4 ports)",
        # OpenVox tells no serial: the integration knows it by its address.
        "unique_id": "openvox-127.0.0.1:8082",
        "data": {
            "url": "http://127.0.0.1:8082",
            "username": "admin",
            "password": "admin",
        },
    },
    {
        "gateway_type": "simfolder",
        "title": "SimFolder 10001",
        "unique_id": "10001",
        "data": {"url": "http://127.0.0.1:8083/api/", "api_key": "demo-api-key"},
    },
    {
        "gateway_type": "modem",
        "title": "Quectel EC25",
        "unique_id": "867962041234567",
        # The simulated stick on TCP, as a modem shared over the network is.
        "data": {"device": "socket://127.0.0.1:8085", "baudrate": 115200},
        "webhook": False,
    },
    {
        "gateway_type": "smsgateway24",
        "title": "SmsGateway24 demo@example.com",
        "unique_id": "demo@example.com",
        "data": {
            "url": "http://127.0.0.1:8084/getdata",
            "email": "demo@example.com",
            "password": "demo",
        },
    },
]

DEMO_CONTACTS = [
    ("demo-anna", "Anna", "+4917612345678"),
    ("demo-taras", "Taras", "+380501234567"),
]
"""Senders of the simulators' messages, so events and the inbox show names."""

CONFIGURATION_YAML = """\
# Home Assistant demo for the GSM Gateway integration (written by scripts/demo).
homeassistant:
  name: GSM Gateway demo
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
  unit_system: metric
  currency: EUR
  country: NL
  time_zone: {time_zone}
  # The addresses gateways push to: the OpenVox simulator is pointed at the
  # internal one, the SimFolder cloud at the external one (on this machine).
  internal_url: http://127.0.0.1:8123
  external_url: http://127.0.0.1:8123

# What the demo shows, spelled out: `default_config` would pull in go2rtc,
# whose binary this install lacks ("Invalid config" at start-up), and more
# that a look at GSM Gateway does not need.
frontend:
config:
history:
logbook:
automation:
script:
scene:
system_health:
webhook:

logger:
  default: warning
  logs:
    homeassistant.bootstrap: info
    custom_components.gsm_gateway: debug
"""


DASHBOARD_ID = "gsm_gateway"
DASHBOARD_URL = "gsm-gateway"
# One row per SIM, found by what its sensors are (signal strength's device
# class, registration's states), so no entity id is written down here.
SIMS_MARKDOWN = """\
{%- set ns = namespace(rows=[]) -%}
{%- for d in integration_entities('gsm_gateway') | map('device_id')
     | reject('none') | unique -%}
  {%- set sim = namespace(signal=none, registration=none) -%}
  {%- for e in device_entities(d) -%}
    {%- if is_state_attr(e, 'device_class', 'signal_strength') -%}
      {%- set sim.signal = e -%}
    {%- endif -%}
    {%- if 'roaming' in (state_attr(e, 'options') or []) -%}
      {%- set sim.registration = e -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if sim.registration -%}
    {%- set dbm = states(sim.signal) if sim.signal else 'unknown' -%}
    {%- set ns.rows = ns.rows + ['| ' ~ device_attr(device_attr(d, 'via_device_id')
        or d, 'name') ~ ' | ' ~ (device_attr(d, 'name_by_user')
        or device_attr(d, 'name')) ~ ' | '
        ~ (dbm ~ ' dBm' if is_number(dbm) else '-') ~ ' | '
        ~ state_translated(sim.registration) ~ ' |'] -%}
  {%- endif -%}
{%- endfor -%}
| Gateway | SIM | Signal | Registration |
|:--|:--|--:|:--|
{{ ns.rows | sort | join('\n') }}
"""
DASHBOARD = {
    "title": "GSM Gateway",
    "views": [
        {
            "title": "GSM Gateway",
            "path": "home",
            "cards": [
                {"type": "custom:gsm-gateway-inbox-card", "conversations": 6},
                {"type": "markdown", "title": "SIMs", "content": SIMS_MARKDOWN},
            ],
        }
    ],
}

# A conversation and two unread messages, so the card is not empty at first
# sight: rows as the integration's inbox stores them (inbox.py, _StoredRow).
SEED_MESSAGES: list[tuple[int, str, str, str, int, str | None, bool]] = [
    # minutes ago, direction, number, text, port, status, read
    (
        42,
        "received",
        "+4917612345678",
        "Hi! Are we still on for dinner at 7?",
        1,
        None,
        True,
    ),
    (40, "sent", "+4917612345678", "Yes! See you at 7.", 1, "delivered", True),
    (
        16,
        "received",
        "DHL",
        "Your parcel 4810937265 will be delivered today, 10:00-14:00.",
        3,
        None,
        False,
    ),
    (
        3,
        "received",
        "+380501234567",
        "Привіт! Передзвони, коли будеш вільний.",
        0,
        None,
        False,
    ),
]


def local_time_zone() -> str:
    """Return this machine's IANA time zone, or UTC."""
    candidates = []
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    zones = available_timezones()
    return next((zone for zone in candidates if zone in zones), "UTC")


def read_store(path: Path) -> dict[str, Any] | None:
    """Return a storage file's content, or None when it is absent."""
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_store(path: Path, key: str, version: int, minor: int, data: Any) -> None:
    """Write a file in Home Assistant's storage format."""
    content = {"version": version, "minor_version": minor, "key": key, "data": data}
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def ensure_user(config: Path, storage: Path) -> None:
    """Create the demo login with Home Assistant's own auth script."""
    provider = read_store(storage / "auth_provider.homeassistant")
    users = provider["data"]["users"] if provider else []
    if any(user["username"] == DEMO_USER for user in users):
        return
    subprocess.run(
        [
            sys.executable,
            "-m",
            "homeassistant",
            "--script",
            "auth",
            "-c",
            str(config),
            "add",
            DEMO_USER,
            DEMO_PASSWORD,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_onboarded(storage: Path) -> None:
    """Mark every onboarding step done, with analytics left off."""
    if not (storage / ONBOARDING_KEY).exists():
        write_store(
            storage / ONBOARDING_KEY,
            ONBOARDING_KEY,
            ONBOARDING_VERSION,
            1,
            {"done": list(onboarding_const.STEPS)},
        )
    if not (storage / analytics_const.STORAGE_KEY).exists():
        write_store(
            storage / analytics_const.STORAGE_KEY,
            analytics_const.STORAGE_KEY,
            analytics_const.STORAGE_VERSION,
            1,
            {"onboarded": True, "preferences": {}, "uuid": None},
        )


def ensure_dashboard(storage: Path) -> None:
    """The dashboard "GSM Gateway", and Home Assistant opening on it."""
    dashboards = storage / "lovelace_dashboards"
    if not dashboards.exists():
        write_store(
            dashboards,
            "lovelace_dashboards",
            1,
            1,
            {
                "items": [
                    {
                        "id": DASHBOARD_ID,
                        "url_path": DASHBOARD_URL,
                        "title": "GSM Gateway",
                        "icon": "mdi:message-text",
                        "show_in_sidebar": True,
                        "require_admin": False,
                        "mode": "storage",
                    }
                ]
            },
        )
    config = storage / f"lovelace.{DASHBOARD_ID}"
    if not config.exists():
        write_store(config, config.name, 1, 1, {"config": DASHBOARD})
    system = storage / "frontend.system_data"
    if not system.exists():
        write_store(
            system, system.name, 1, 1, {"core": {"default_panel": DASHBOARD_URL}}
        )


def seed_inbox(storage: Path, entry_id: str) -> None:
    """A few messages in a new entry's inbox."""
    now = datetime.now(UTC)
    names = {number: name for _key, name, number in DEMO_CONTACTS}
    rows = []
    for index, (ago, direction, number, text, port, status, read) in enumerate(
        SEED_MESSAGES, start=1
    ):
        when = (now - timedelta(minutes=ago)).isoformat()
        rows.append(
            {
                "id": index,
                "direction": direction,
                "number": number,
                "name": names.get(number),
                "text": text,
                "timestamp": when,
                "added": when,
                "port": port,
                "status": status,
                "message_id": f"demo-{index}" if direction == "received" else None,
                "read": read,
            }
        )
    key = f"{DOMAIN}.{entry_id}.inbox"
    write_store(storage / key, key, 1, 1, {"next_id": len(rows) + 1, "messages": rows})


def ensure_entries(storage: Path) -> list[tuple[str, str]]:
    """Add the demo entries that are missing; return (type, webhook id) of each.

    A modem has no webhook (its news come on the serial line): its id is "-".
    """
    path = storage / config_entries.STORAGE_KEY
    store = read_store(path)
    entries: list[dict[str, Any]] = store["data"]["entries"] if store else []
    found: list[tuple[str, str]] = []
    changed = False
    for gateway in DEMO_GATEWAYS:
        existing = next(
            (
                entry
                for entry in entries
                if entry["domain"] == DOMAIN
                and entry["data"].get("gateway_type") == gateway["gateway_type"]
            ),
            None,
        )
        if existing is not None:
            found.append(
                (gateway["gateway_type"], existing["data"].get("webhook_id", "-"))
            )
            continue
        now = datetime.now(UTC).isoformat()
        has_webhook = gateway.get("webhook", True)
        webhook_id = webhook.async_generate_id() if has_webhook else "-"
        entry_id = ulid_now()
        if gateway["gateway_type"] == "dinstar":
            seed_inbox(storage, entry_id)
        entries.append(
            {
                "created_at": now,
                "data": {
                    "gateway_type": gateway["gateway_type"],
                    **gateway["data"],
                    **(
                        {"verify_ssl": False, "webhook_id": webhook_id}
                        if has_webhook
                        else {}
                    ),
                },
                "discovery_keys": {},
                "disabled_by": None,
                "domain": DOMAIN,
                "entry_id": entry_id,
                "minor_version": 1,
                "modified_at": now,
                "options": dict(gateway.get("options", {})),
                "pref_disable_new_entities": False,
                "pref_disable_polling": False,
                "source": "user",
                "subentries": [],
                "title": gateway["title"],
                "unique_id": gateway["unique_id"],
                "version": 1,
            }
        )
        found.append((gateway["gateway_type"], webhook_id))
        changed = True
    if changed:
        write_store(
            path,
            config_entries.STORAGE_KEY,
            store["version"] if store else config_entries.STORAGE_VERSION,
            store["minor_version"] if store else config_entries.STORAGE_VERSION_MINOR,
            {"entries": entries},
        )
    return found


def ensure_contacts(storage: Path) -> None:
    """A few contacts, once (the user's own list is never touched)."""
    path = storage / f"{DOMAIN}.contacts"
    if path.exists():
        return
    contacts = [
        {"id": contact_id, "name": name, "number": number}
        for contact_id, name, number in DEMO_CONTACTS
    ]
    write_store(path, f"{DOMAIN}.contacts", 1, 1, {"contacts": contacts})


def main() -> None:
    """Prepare the configuration directory given as the only argument."""
    config = Path(sys.argv[1]).resolve()
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)

    yaml_file = config / "configuration.yaml"
    if not yaml_file.exists():
        yaml_file.write_text(
            CONFIGURATION_YAML.format(time_zone=local_time_zone()), encoding="utf-8"
        )
    link = config / "custom_components"
    if not link.exists() and not link.is_symlink():
        target = Path(os.path.relpath(ROOT / "custom_components", config))
        link.symlink_to(target, target_is_directory=True)

    ensure_user(config, storage)
    ensure_onboarded(storage)
    ensure_contacts(storage)
    ensure_dashboard(storage)
    for gateway_type, webhook_id in ensure_entries(storage):
        print(gateway_type, webhook_id)


if __name__ == "__main__":
    main()
