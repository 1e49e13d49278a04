"""The contact list's steps of the options flow (one list for all entries).

Reached from the options of any entry ("Contacts"); each change is saved at
once and the list shown again, until the user is done. Finishing leaves the
entry's own options as they were, so the entry is not reloaded.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from .contacts import Contacts, async_get_contacts, is_phone_number

CONF_NUMBER = "number"
CONF_CONTACT = "contact"
CONF_CONTACTS = "contacts"


class ContactsOptionsFlowMixin(OptionsFlow):
    """Add, edit and remove contacts."""

    _editing: str | None = None

    async def async_step_contacts(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The list, and what to do with it."""
        contacts = await async_get_contacts(self.hass)
        options = ["contact_add"]
        if contacts.contacts:
            options += ["contact_edit", "contact_remove"]
        options.append("contacts_done")
        return self.async_show_menu(
            step_id="contacts",
            menu_options=options,
            description_placeholders={"contacts": _listing(contacts)},
        )

    async def async_step_contacts_done(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Close the flow; the entry's options stay as they are."""
        return self.async_create_entry(data=dict(self.config_entry.options))

    async def async_step_contact_add(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new name and number."""
        contacts = await async_get_contacts(self.hass)
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _check(contacts, user_input, None)
            if not errors:
                await contacts.async_add(user_input[CONF_NAME], user_input[CONF_NUMBER])
                return await self.async_step_contacts()
        return self.async_show_form(
            step_id="contact_add",
            data_schema=self.add_suggested_values_to_schema(
                _CONTACT_SCHEMA, user_input or {}
            ),
            errors=errors,
        )

    async def async_step_contact_edit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the contact to change."""
        contacts = await async_get_contacts(self.hass)
        if user_input is not None:
            self._editing = user_input[CONF_CONTACT]
            return await self.async_step_contact_details()
        return self.async_show_form(
            step_id="contact_edit",
            data_schema=probatio.Schema(
                {probatio.Required(CONF_CONTACT): _picker(contacts, multiple=False)}
            ),
        )

    async def async_step_contact_details(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A contact's new name or number."""
        contacts = await async_get_contacts(self.hass)
        assert self._editing is not None
        contact = contacts.get(self._editing)
        if contact is None:
            return await self.async_step_contacts()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _check(contacts, user_input, contact.contact_id)
            if not errors:
                await contacts.async_update(
                    contact.contact_id, user_input[CONF_NAME], user_input[CONF_NUMBER]
                )
                return await self.async_step_contacts()
        return self.async_show_form(
            step_id="contact_details",
            data_schema=self.add_suggested_values_to_schema(
                _CONTACT_SCHEMA,
                user_input or {CONF_NAME: contact.name, CONF_NUMBER: contact.number},
            ),
            errors=errors,
        )

    async def async_step_contact_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick contacts to remove."""
        contacts = await async_get_contacts(self.hass)
        if user_input is not None:
            await contacts.async_remove(user_input[CONF_CONTACTS])
            return await self.async_step_contacts()
        return self.async_show_form(
            step_id="contact_remove",
            data_schema=probatio.Schema(
                {probatio.Required(CONF_CONTACTS): _picker(contacts, multiple=True)}
            ),
        )


_CONTACT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_NUMBER): TextSelector(),
    }
)


def _check(
    contacts: Contacts, user_input: dict[str, Any], editing: str | None
) -> dict[str, str]:
    """Errors of a contact form: a number one can text, a name not taken."""
    errors: dict[str, str] = {}
    name = str(user_input[CONF_NAME]).strip()
    if not name:
        errors[CONF_NAME] = "name_missing"
    elif any(
        c.name.casefold() == name.casefold() and c.contact_id != editing
        for c in contacts.contacts
    ):
        errors[CONF_NAME] = "name_taken"
    if not is_phone_number(str(user_input[CONF_NUMBER])):
        errors[CONF_NUMBER] = "invalid_contact_number"
    return errors


def _picker(contacts: Contacts, *, multiple: bool) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=c.contact_id, label=f"{c.name} ({c.number})")
                for c in contacts.contacts
            ],
            multiple=multiple,
            mode=SelectSelectorMode.LIST,
        )
    )


def _listing(contacts: Contacts) -> str:
    """The list as Markdown lines, or a dash when empty."""
    return "\n".join(f"- {c.name}: {c.number}" for c in contacts.contacts) or "—"
