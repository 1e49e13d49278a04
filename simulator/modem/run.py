"""`python -m simulator --type modem`: a modem on TCP and, with `--pty`, a pseudo-terminal.

Point Home Assistant at `socket://<host>:<port>` (the TCP side, as ser2net
shares a stick), or at the pseudo-terminal's path it prints. Every
`--sms-every` seconds a message comes in (a long one now and then), so a
Home Assistant set up on it has something to show; `--ring-every` makes it
ring now and then too.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import logging
import random

from . import ModemSimulator

_LOGGER = logging.getLogger("simulator")


async def run_modem(
    args: argparse.Namespace,
    stopping: asyncio.Event,
    random_text: Callable[[random.Random], tuple[str, str]],
) -> None:
    """Run until `stopping` is set."""
    sim = ModemSimulator(pin=args.pin or None)
    rng = random.Random(args.seed)
    await sim.start_tcp(args.host, args.port)
    _LOGGER.info(
        "Modem %s %s (IMEI %s) at %s%s",
        sim.manufacturer,
        sim.model,
        sim.imei,
        sim.url,
        f", SIM PIN {args.pin}" if args.pin else "",
    )
    if args.pty:
        path = sim.start_pty()
        # The pseudo-terminal takes the line instead of TCP clients: one user.
        print(f"Modem on pseudo-terminal {path}", flush=True)
    try:
        interval = args.sms_every if args.sms_every > 0 else None
        while True:
            try:
                await asyncio.wait_for(stopping.wait(), interval)
            except TimeoutError:
                sender, text = random_text(rng)
                parts = sim.receive_sms(sender, text)
                _LOGGER.info("SMS from %s in %d part(s)", sender, parts)
                if rng.random() < 0.1:
                    sim.incoming_call("+380671112233", rings=4)
            else:
                break
    finally:
        _LOGGER.info("Stopping")
        await sim.stop()
