"""Blueprints shipped with the integration, put in place on set-up (SPEC §12).

They go to `<config>/blueprints/<domain>/gsm_gateway/` when absent. A file
that is there already, the user's edited copy included, is never
overwritten; one the user deleted comes back at the next start.
"""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER

SHIPPED = Path(__file__).parent / "blueprints"
_DATA_PLACED: HassKey[bool] = HassKey(f"{DOMAIN}_blueprints_placed")


def blueprints_root(hass: HomeAssistant) -> Path:
    """Where Home Assistant reads blueprints from."""
    return Path(hass.config.path("blueprints"))


def _place(root: Path) -> list[str]:
    placed: list[str] = []
    for source in sorted(SHIPPED.glob("*/*.yaml")):
        target = root / source.parent.name / DOMAIN / source.name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        placed.append(f"{source.parent.name}/{DOMAIN}/{source.name}")
    return placed


async def async_place_blueprints(hass: HomeAssistant) -> None:
    """Copy the shipped blueprints that are missing, once a run."""
    if hass.data.get(_DATA_PLACED):
        return
    hass.data[_DATA_PLACED] = True
    try:
        placed = await hass.async_add_executor_job(_place, blueprints_root(hass))
    except OSError as err:
        LOGGER.warning("Could not put the blueprints in place: %s", err)
        return
    if placed:
        LOGGER.info("Blueprints put in place: %s", ", ".join(placed))
