"""Print the pip requirements a demo Home Assistant server needs.

Walks the manifests of the installed Home Assistant the way its own
requirement installer does (``dependencies``, ``after_dependencies`` and the
discovery integrations a manifest asks for), starting from what bootstrap
always sets up, ``default_config`` and this integration's manifest. The
manifests pin exactly; install with Home Assistant's package_constraints.txt.

Usage: python scripts/_server_requirements.py [--skip NAME ...] [--only NAME ...]
"""

import argparse
import json
from pathlib import Path
import re
from typing import Any

from homeassistant import bootstrap, requirements
import homeassistant.components

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = Path(homeassistant.components.__file__).parent
OUR_MANIFEST = ROOT / "custom_components" / "gsm_gateway" / "manifest.json"


def read_manifest(path: Path) -> dict[str, Any]:
    """Return a manifest, or an empty one where there is none."""
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def walk(manifest: dict[str, Any]) -> set[str]:
    """Return the requirements of manifest and of everything it pulls in."""
    reqs: set[str] = set(manifest.get("requirements", []))
    seen: set[str] = set()
    todo = [*manifest.get("dependencies", []), *manifest.get("after_dependencies", [])]
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        data = read_manifest(COMPONENTS / domain / "manifest.json")
        reqs.update(data.get("requirements", []))
        todo.extend(data.get("dependencies", []))
        todo.extend(data.get("after_dependencies", []))
        todo.extend(
            check_domain
            for check_domain, keys in requirements.DISCOVERY_INTEGRATIONS.items()
            if any(key in data for key in keys)
        )
    return reqs


def package_name(requirement: str) -> str:
    """Return the normalized distribution name of a requirement."""
    name = re.split(r"[=<>!~\[;@ ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    """Print one requirement a line, sorted."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip", nargs="*", default=[], help="leave these out")
    parser.add_argument("--only", nargs="*", help="print only these")
    args = parser.parse_args()

    ours = read_manifest(OUR_MANIFEST)
    roots = {
        "requirements": ours.get("requirements", []),
        "dependencies": sorted(
            bootstrap.CORE_INTEGRATIONS
            | bootstrap.DEFAULT_INTEGRATIONS
            | {"default_config", "logger"}
            | set(ours.get("dependencies", []))
            | set(ours.get("after_dependencies", []))
        ),
    }
    skip = {package_name(name) for name in args.skip}
    only = None if args.only is None else {package_name(name) for name in args.only}
    for req in sorted(walk(roots), key=str.lower):
        name = package_name(req)
        if name not in skip and (only is None or name in only):
            print(req)


if __name__ == "__main__":
    main()
