"""Run a fake gateway for the demo: `python -m simulator --type dinstar ...`.

It listens until SIGINT/SIGTERM, completes the SMS it is asked to send, and
every `--sms-every` seconds receives a realistic SMS on a random registered
port and pushes it, so a Home Assistant pointed at it has something to show.
An OpenVox gateway pushes once its push settings are written (by the
integration, or from `--push-url` as if set in its web UI); a SimFolder cloud notifies the URL
`settingsSet` gives it (or `--push-url`).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta
import logging
import random
import signal

from yarl import URL

from .dinstar import AUTH_MODES, MAX_PORTS, DinstarSimulator
from .openvox import OpenVoxSimulator
from .simfolder import SimFolderSimulator
from .smsgateway24 import SmsGateway24Simulator

_LOGGER = logging.getLogger("simulator")

# Real messages carry fullwidth Chinese punctuation and Cyrillic look-alikes.
# ruff: noqa: RUF001

# (sender, text); {code}, {parcel}, {amount} and {date} are filled at random.
_MESSAGES = (
    ("PrivatBank", "Код підтвердження: {code}. Нікому не повідомляйте цей код."),
    ("monobank", "Your login code is {code}. Never share it, even with the bank."),
    ("Sparkasse", "Ihre mobileTAN lautet {code}. Sie ist 5 Minuten gültig."),
    ("95588", "您的验证码是{code}，5分钟内有效，请勿泄露给他人。"),
    ("DHL", "Your parcel {parcel} will be delivered today, 10:00-14:00."),
    ("NovaPoshta", "Посилка {parcel} прибула у відділення №12. Отримайте до {date}."),
    ("Kyivstar", "Ваш баланс: {amount} грн. Пакет «Смарт»: 15 ГБ до {date}."),
    ("Vodafone", "Balance: {amount} EUR. Your data pack renews on {date}."),
    ("10086", "尊敬的客户，您的话费余额为{amount}元，请及时充值。"),
    ("+4917612345678", "Hi! Are we still on for dinner at 7?"),
    ("+380501234567", "Привіт! Передзвони, коли будеш вільний."),
)
_LONG_MESSAGE = (
    "Telekom",
    (
        "Liebe Kundin, lieber Kunde, ab dem {date} gelten neue Preise für Ihren "
        "Tarif. Ihr Datenvolumen steigt dabei kostenlos von 10 GB auf 15 GB pro "
        "Monat. Alle Details zu den Änderungen finden Sie in Ihrem Kundencenter. "
        "Sie müssen nichts weiter tun. Bei Fragen erreichen Sie uns rund um die "
        "Uhr unter 2202. Ihre Telekom"
    ),
)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument(
        "--type",
        choices=["dinstar", "openvox", "simfolder", "smsgateway24"],
        default="dinstar",
    )
    parser.add_argument("--ports", type=int, default=8)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="TCP port, 0 = any")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--serial", default="dbd2-0325-0044-0088")
    parser.add_argument("--auth", choices=sorted(AUTH_MODES), default="digest")
    parser.add_argument("--slots", type=int, default=1, help="SIM slots per port")
    parser.add_argument("--push-url", help="where to POST pushes (webhook URL)")
    parser.add_argument(
        "--sms-every", type=float, default=45, help="seconds between SMS, 0 = never"
    )
    parser.add_argument("--ussd-delay", type=float, default=2)
    parser.add_argument("--seed", type=int)
    simfolder = parser.add_argument_group("simfolder")
    simfolder.add_argument("--api-key", default="demo-api-key")
    simfolder.add_argument("--aggregators", type=int, default=2)
    simfolder.add_argument("--cards", type=int, default=4, help="modems per aggregator")
    simfolder.add_argument("--bank-cards", type=int, default=4, help="in its SIM bank")
    parser.add_argument(
        "--lose-send-answers",
        type=int,
        default=0,
        metavar="N",
        help="carry out the first N send_sms requests but hang up unanswered",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--email", default="demo@example.com", help="smsgateway24")
    parser.add_argument("--phones", type=int, default=2, help="smsgateway24 phones")
    args = parser.parse_args()
    if not 0 <= args.phones <= 50:
        parser.error("--phones must be 0..50")
    if not 1 <= args.ports <= MAX_PORTS:
        parser.error(f"--ports must be 1..{MAX_PORTS}")
    if args.aggregators < 1 or args.cards < 1 or args.bank_cards < 0:
        parser.error("--aggregators and --cards must be >= 1, --bank-cards >= 0")
    if not 1 <= args.slots <= 4:
        parser.error("--slots must be 1..4")
    return args


def _random_text(rng: random.Random) -> tuple[str, str]:
    sender, template = _LONG_MESSAGE if rng.random() < 0.1 else rng.choice(_MESSAGES)
    return sender, template.format(
        code=rng.randint(100000, 999999),
        parcel=rng.randint(10**9, 10**10 - 1),
        amount=f"{rng.uniform(3, 400):.2f}",
        date=(
            datetime.now().astimezone() + timedelta(days=rng.randint(2, 30))
        ).strftime("%d.%m"),
    )


async def _run_openvox(args: argparse.Namespace, stopping: asyncio.Event) -> None:
    sim = OpenVoxSimulator(
        args.ports, username=args.username, password=args.password, seed=args.seed
    )
    sim.auto_complete = True
    if args.push_url:
        target = URL(args.push_url)
        sim.push_config.update(
            enable=1,
            results_enable=1,
            reports_enable=1,
            url_http=target.scheme,
            url_host=target.host,
            url_port=str(target.port),
            url_path=target.raw_path,
            url_from_num="phonenumber",
            url_to_num="port",
            url_portname="portname",
            url_message="message",
            url_time="time",
            url_imsi="imsi",
            url_status="status",
        )
    rng = random.Random(args.seed)
    await sim.start(args.host, args.port)
    _LOGGER.info("OpenVox: %d spans, login %s", len(sim.spans), args.username)
    try:
        interval = args.sms_every if args.sms_every > 0 else None
        while True:
            try:
                await asyncio.wait_for(stopping.wait(), interval)
            except TimeoutError:
                spans = [span.number for span in sim.spans if span.available]
                if spans:
                    await sim.receive_sms(rng.choice(spans), *_random_text(rng))
            else:
                break
    finally:
        _LOGGER.info("Stopping")
        await sim.stop()


async def _receive_random_sms(sim: DinstarSimulator, rng: random.Random) -> None:
    ports = [port.number for port in sim.ports if port.registered]
    if not ports:
        _LOGGER.info("No registered port: no SMS this time")
        return
    sender, text = _random_text(rng)
    await sim.receive_sms(rng.choice(ports), sender, text)


async def _run_simfolder(args: argparse.Namespace, stopping: asyncio.Event) -> None:
    sim = SimFolderSimulator(
        api_key=args.api_key,
        aggregators=args.aggregators,
        cards=args.cards,
        bank_cards=args.bank_cards,
        seed=args.seed,
    )
    if args.push_url:
        # As if settingsSet had pointed every notification there.
        sim.settings_url = args.push_url
        sim.settings_kinds = dict.fromkeys(sim.settings_kinds, True)
    sim.delay = args.ussd_delay
    rng = random.Random(args.seed)
    await sim.start(args.host, args.port)
    _LOGGER.info(
        "SimFolder at %s: %d aggregators, %d cards, api_key %s",
        sim.url,
        len(sim.devices),
        len(sim.cards),
        args.api_key,
    )
    try:
        while True:
            try:
                await asyncio.wait_for(stopping.wait(), args.sms_every or None)
            except TimeoutError:
                cards = [c.card_id for c in sim.cards.values() if c.state in (1, 5)]
                if cards:
                    await sim.receive_sms(rng.choice(cards), *_random_text(rng))
            else:
                break
    finally:
        _LOGGER.info("Stopping")
        await sim.stop()


async def _run(args: argparse.Namespace) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    if args.type == "simfolder":
        await _run_simfolder(args, stopping)
        return
    if args.type == "openvox":
        await _run_openvox(args, stopping)
        return
    if args.type == "smsgateway24":
        await _run_smsgateway24(args, stopping)
        return
    await _run_dinstar(args, stopping)


async def _run_smsgateway24(args: argparse.Namespace, stopping: asyncio.Event) -> None:
    """The SmsGateway24 cloud: phones report in every 5 s and receive SMS."""
    sim = SmsGateway24Simulator(
        email=args.email, password=args.password, phones=args.phones, seed=args.seed
    )
    sim.set_webhooks(args.push_url)
    rng = random.Random(args.seed)
    loop = asyncio.get_running_loop()
    await sim.start(args.host, args.port)
    _LOGGER.info(
        "SmsGateway24 account %s / %s at %s: %d phones, webhooks to %s",
        args.email,
        args.password,
        sim.url,
        len(sim.phones),
        args.push_url or "nowhere",
    )
    next_sms = loop.time() + args.sms_every if args.sms_every > 0 else None
    try:
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), 5)
            except TimeoutError:
                await sim.tick()
            if next_sms is not None and loop.time() >= next_sms and sim.phones:
                next_sms = loop.time() + args.sms_every
                phone = rng.choice(list(sim.phones.values()))
                slot = rng.choice(phone.sims).slot if phone.sims else 0
                await sim.receive_sms(phone.id, *_random_text(rng), sim=slot)
    finally:
        _LOGGER.info("Stopping")
        await sim.stop()


async def _run_dinstar(args: argparse.Namespace, stopping: asyncio.Event) -> None:
    sim = DinstarSimulator(
        args.ports,
        serial=args.serial,
        username=args.username,
        password=args.password,
        auth=args.auth,
        slots_per_port=args.slots,
        seed=args.seed,
    )
    sim.push_url = args.push_url
    sim.auto_complete = True
    sim.ussd_delay = args.ussd_delay
    if args.lose_send_answers:
        sim.lose_answers("send_sms", args.lose_send_answers)
    rng = random.Random(args.seed)
    await sim.start(args.host, args.port)
    _LOGGER.info(
        "Dinstar %s: %d ports, %s auth as %s, pushes to %s",
        sim.serial,
        len(sim.ports),
        args.auth,
        args.username,
        args.push_url or "nowhere",
    )
    try:
        if args.push_url:
            # A box that boots announces itself (newer firmware's device push).
            await sim.device_status("power_on")
        interval = args.sms_every if args.sms_every > 0 else None
        while True:
            try:
                await asyncio.wait_for(stopping.wait(), interval)
            except TimeoutError:
                await _receive_random_sms(sim, rng)
            else:
                break
    finally:
        _LOGGER.info("Stopping")
        await sim.stop()


def main() -> None:
    """Parse the command line and run until interrupted."""
    args = _parse_args()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(_run(args))


if __name__ == "__main__":
    main()
