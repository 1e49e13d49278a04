"""Contacts: names for phone numbers, one list for the whole integration (SPEC §12).

The list lives in its own `Store` (`gsm_gateway.contacts`), is edited from the
options flow of any entry, and is read by the events (`sender_name`), by
`send_sms` and the legacy notify service (a name where a number goes) and by
the inbox (`async_get_contacts(hass).name_for(number, country)`).

Numbers are compared in one normal form, E.164 where the number allows it
(`+380501234567`): spaces, dashes, dots and brackets dropped, `00` read as
`+`, and a national number (`050 123 45 67`) read in the country of the SIM
that saw it (the MCC of its IMSI), else of Home Assistant's configuration.
The `phonenumbers` package (Google's libphonenumber data) knows every
country's calling code and trunk prefix; a hand-made table would have to
carry the same. Short codes (`10086`) and alphanumeric senders (`Vodafone`)
are kept as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
import re
from typing import Any, TypedDict
import uuid

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey
import phonenumbers

from .const import DOMAIN, STORAGE_VERSION

_SEPARATORS = re.compile(r"[\s().\-/]")
_DIALLABLE = re.compile(r"\+?[0-9]{2,20}")
_LIST_SEPARATORS = re.compile(r"[;,]")
MIN_SUBSCRIBER_DIGITS = 7
"""Shorter numbers are short codes (`10086`, `112`): never given a country code."""

DATA_CONTACTS: HassKey[Contacts] = HassKey(f"{DOMAIN}_contacts")
_DATA_LOADING: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_contacts_loading")

# Mobile country codes (ITU-T E.212) of the countries the gateways are sold
# and used in, to the ISO 3166 region libphonenumber reads national numbers
# in. A SIM from a country not listed falls back to Home Assistant's country.
MCC_REGIONS: dict[str, str] = {
    "202": "GR", "204": "NL", "206": "BE", "208": "FR", "212": "MC", "213": "AD",
    "214": "ES", "216": "HU", "218": "BA", "219": "HR", "220": "RS", "222": "IT",
    "226": "RO", "228": "CH", "230": "CZ", "231": "SK", "232": "AT", "234": "GB",
    "235": "GB", "238": "DK", "240": "SE", "242": "NO", "244": "FI", "246": "LT",
    "247": "LV", "248": "EE", "250": "RU", "255": "UA", "257": "BY", "259": "MD",
    "260": "PL", "262": "DE", "266": "GI", "268": "PT", "270": "LU", "272": "IE",
    "274": "IS", "276": "AL", "278": "MT", "280": "CY", "282": "GE", "283": "AM",
    "284": "BG", "286": "TR", "293": "SI", "294": "MK", "297": "ME", "302": "CA",
    "310": "US", "311": "US", "312": "US", "313": "US", "314": "US", "315": "US",
    "316": "US", "334": "MX", "400": "AZ", "401": "KZ", "404": "IN", "405": "IN",
    "410": "PK", "413": "LK", "414": "MM", "415": "LB", "416": "JO", "418": "IQ",
    "419": "KW", "420": "SA", "422": "OM", "424": "AE", "425": "IL", "426": "BH",
    "427": "QA", "428": "MN", "429": "NP", "432": "IR", "434": "UZ", "436": "TJ",
    "437": "KG", "438": "TM", "440": "JP", "441": "JP", "450": "KR", "452": "VN",
    "454": "HK", "455": "MO", "456": "KH", "457": "LA", "460": "CN", "461": "CN",
    "466": "TW", "470": "BD", "502": "MY", "505": "AU", "510": "ID", "515": "PH",
    "520": "TH", "525": "SG", "530": "NZ", "602": "EG", "603": "DZ", "604": "MA",
    "605": "TN", "621": "NG", "639": "KE", "655": "ZA", "722": "AR", "724": "BR",
    "730": "CL", "732": "CO", "716": "PE",
}  # fmt: skip


def region_of_imsi(imsi: str | None) -> str | None:
    """The country a SIM comes from: the MCC, the IMSI's first three digits."""
    if not imsi or len(imsi) < 5 or not imsi.isdigit():
        return None
    return MCC_REGIONS.get(imsi[:3])


def sim_region(hass: HomeAssistant, imsi: str | None) -> str | None:
    """The country national numbers seen on a SIM are in."""
    return region_of_imsi(imsi) or hass.config.country


def normalize_number(value: str, region: str | None) -> str:
    """The form numbers are compared in (see the module's docstring)."""
    text = value.strip()
    number = _SEPARATORS.sub("", text)
    if number.startswith("00"):
        number = f"+{number[2:]}"
    if not _DIALLABLE.fullmatch(number):
        return text.casefold()
    international = (
        _parse(f"+{number}", None) if not number.startswith(("+", "0")) else None
    )
    if international is not None and not phonenumbers.is_valid_number(international):
        international = None
    # Gateways often report international numbers without their `+`: digits
    # that begin with the home calling code are read so (`49170...` in DE).
    if (
        international is not None
        and region is not None
        and (number.startswith(str(phonenumbers.country_code_for_region(region))))
    ):
        return _e164(international)
    national = _parse(number, region)
    if national is not None and phonenumbers.is_valid_number(national):
        return _e164(national)
    if international is not None:
        return _e164(international)
    # A number of a range the data does not know yet; short codes stay as written.
    if (
        national is not None
        and len(number) >= MIN_SUBSCRIBER_DIGITS
        and phonenumbers.is_possible_number(national)
    ):
        return _e164(national)
    return number


def _parse(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _load_metadata(regions: set[str | None]) -> None:
    for region in regions:
        if region is not None:
            phonenumbers.PhoneMetadata.metadata_for_region(region)


def is_phone_number(value: str) -> bool:
    """Tell whether what the user typed is a number one can text."""
    return bool(_DIALLABLE.fullmatch(_SEPARATORS.sub("", value.strip())))


@dataclass(frozen=True, kw_only=True)
class Contact:
    """A name for a number."""

    contact_id: str
    name: str
    number: str
    """Normal form, read in Home Assistant's country when it was saved."""


class _StoredContact(TypedDict):
    id: str
    name: str
    number: str


class _StoredData(TypedDict):
    contacts: list[_StoredContact]


class Contacts:
    """The integration's contact list."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass
        self._store: Store[_StoredData] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.contacts"
        )
        self._contacts: dict[str, Contact] = {}

    async def async_load(self) -> None:
        """Read the list, and libphonenumber's data for the home country."""
        if (data := await self._store.async_load()) is not None:
            self._contacts = {
                item["id"]: Contact(
                    contact_id=item["id"], name=item["name"], number=item["number"]
                )
                for item in data["contacts"]
            }
        # Each region's metadata is a module imported on first use: imported
        # here, in the executor, for the countries SIMs and Home Assistant
        # name (about 40 ms and 1 MB), not in the event loop at the first SMS.
        await self._hass.async_add_executor_job(
            _load_metadata, {*MCC_REGIONS.values(), self._hass.config.country}
        )

    @property
    def contacts(self) -> list[Contact]:
        """All contacts, by name."""
        return sorted(self._contacts.values(), key=lambda c: c.name.casefold())

    def get(self, contact_id: str) -> Contact | None:
        """One contact by its id."""
        return self._contacts.get(contact_id)

    @callback
    def name_for(self, number: str, region: str | None = None) -> str | None:
        """The name of the contact a number belongs to, if any.

        `region`: the country national numbers are read in (`sim_region`).
        """
        wanted = normalize_number(number, region or self._hass.config.country)
        for contact in self._contacts.values():
            if contact.number == wanted:
                return contact.name
        return None

    @callback
    def number_for(self, name: str) -> str | None:
        """The number of the contact of that name (case does not matter)."""
        wanted = name.strip().casefold()
        for contact in self._contacts.values():
            if contact.name.casefold() == wanted:
                return contact.number
        return None

    @callback
    def resolve(self, values: Iterable[str]) -> list[str]:
        """Recipients as numbers: each name replaced by its contact's number.

        Items may hold several recipients split by `,` or `;`; what is no
        contact's name is left for the number check that follows.
        """
        recipients: list[str] = []
        for value in values:
            for item in _LIST_SEPARATORS.split(value):
                if not item.strip():
                    continue
                recipients.append(self.number_for(item) or item)
        return recipients

    def normalize_for_saving(self, number: str) -> str:
        """A number as the list keeps it."""
        return normalize_number(number, self._hass.config.country)

    async def async_add(self, name: str, number: str) -> Contact:
        """Add a contact."""
        contact = Contact(
            contact_id=uuid.uuid4().hex,
            name=name.strip(),
            number=self.normalize_for_saving(number),
        )
        self._contacts[contact.contact_id] = contact
        await self._async_save()
        return contact

    async def async_update(self, contact_id: str, name: str, number: str) -> None:
        """Rename a contact or change its number."""
        self._contacts[contact_id] = Contact(
            contact_id=contact_id,
            name=name.strip(),
            number=self.normalize_for_saving(number),
        )
        await self._async_save()

    async def async_remove(self, contact_ids: Iterable[str]) -> None:
        """Remove contacts."""
        for contact_id in contact_ids:
            self._contacts.pop(contact_id, None)
        await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "contacts": [
                    {"id": c.contact_id, "name": c.name, "number": c.number}
                    for c in self._contacts.values()
                ]
            }
        )

    def as_list(self) -> list[dict[str, Any]]:
        """The list for display (names and numbers; never in diagnostics)."""
        return [{"name": c.name, "number": c.number} for c in self.contacts]


async def async_get_contacts(hass: HomeAssistant) -> Contacts:
    """The loaded contact list (loaded on first use)."""
    if (contacts := hass.data.get(DATA_CONTACTS)) is not None:
        return contacts
    lock = hass.data.setdefault(_DATA_LOADING, asyncio.Lock())
    async with lock:
        if (contacts := hass.data.get(DATA_CONTACTS)) is None:
            contacts = Contacts(hass)
            await contacts.async_load()
            hass.data[DATA_CONTACTS] = contacts
    return contacts


@callback
def loaded_contacts(hass: HomeAssistant) -> Contacts | None:
    """The contact list if an entry has loaded it (it has, once one is set up)."""
    return hass.data.get(DATA_CONTACTS)


@callback
def sender_name(hass: HomeAssistant, sender: str, imsi: str | None) -> str | None:
    """The contact name of who texted a SIM (`imsi`: that SIM's, for its country)."""
    if (contacts := loaded_contacts(hass)) is None:
        return None
    return contacts.name_for(sender, sim_region(hass, imsi))
