"""The benchmark's results as a table for people."""

from __future__ import annotations

from typing import Any


def _row(rows: list[tuple[str, str]], label: str, value: Any, unit: str = "") -> None:
    if value is None:
        text = "n/a"
    elif isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    rows.append((label, f"{text} {unit}".rstrip()))


def table(r: dict[str, Any]) -> str:
    """Sections of label / value lines, the machine first."""
    m = r["machine"]
    sections: list[tuple[str, list[tuple[str, str]]]] = []

    rows: list[tuple[str, str]] = []
    _row(rows, "CPU", f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB")
    _row(rows, "Python / Home Assistant", f"{m['python']} / {m['homeassistant']}")
    _row(rows, "Linux", m["kernel"])
    _row(
        rows,
        "load average at start / end",
        " ".join(map(str, m["load_average_at_start"]))
        + " / "
        + " ".join(map(str, m["load_average_at_end"])),
    )
    sections.append(("Machine", rows))

    rows = []
    pushes = r["push_count"]
    _row(
        rows,
        f"webhook POST -> bus event, median ({pushes} pushes)",
        r["push_p50_ms"],
        "ms",
    )
    _row(rows, "webhook POST -> bus event, p99", r["push_p99_ms"], "ms")
    _row(
        rows, "webhook POST -> HTTP answer, median", r["push_http_answer_p50_ms"], "ms"
    )
    a, b = r["burst_concurrent"], r["burst_one_push"]
    _row(
        rows,
        f"{a['pushes']:,} concurrent pushes: events / lost / s",
        f"{a['events']:,} / {a['lost_before_poll']:,} / {a['seconds']:.2f}"
        f"  (HA CPU {a['ha_cpu_seconds']:.2f} s)",
    )
    _row(
        rows,
        f"one push of {b['messages']:,} messages ({b['body_kib']:.0f} KiB): events / lost / s",
        f"{b['events']:,} / {b['lost_before_poll']:,} / {b['seconds']:.2f}"
        f"  (HA CPU {b['ha_cpu_seconds']:.2f} s)",
    )
    poll = r["poll_after_pushes"]
    _row(
        rows,
        f"next poll lists all {poll['messages_listed']:,} again: events fired",
        poll["events_fired"],
    )
    _row(
        rows,
        "burst total: events / lost / duplicated / s",
        f"{r['burst_events']:,} / {r['burst_lost']:,} / {r['burst_duplicated']:,}"
        f" / {r['burst_seconds']:.2f}",
    )
    sections.append(("Push (webhook -> gsm_gateway_sms_received)", rows))

    rows = []
    w = r["inbox_writes"]
    _row(
        rows,
        "inbox writes during the concurrent / one-push burst",
        f"{w['concurrent']} / {w['one_push']}",
    )
    _row(
        rows,
        f"one write of the inbox ({w['rows']:,} rows, {w['kib']:.0f} KiB)",
        f"{w['build_ms'] + w['encode_ms']:.2f} ms in the loop (rows, JSON) +"
        f" {w['write_ms']:.2f} ms atomic write in the executor",
    )
    card = r["inbox_card"]
    if "skipped" in card:
        _row(rows, "push -> message shown in the card", f"skipped: {card['skipped']}")
    else:
        _row(
            rows,
            f"push -> message shown in the card, median ({card['shown']} of "
            f"{card['pushes']})",
            card["p50_ms"],
            "ms",
        )
        _row(rows, "push -> message shown in the card, p99", card["p99_ms"], "ms")
    sections.append(("Inbox (SPEC 11)", rows))

    rows = []
    interval, cycles = r["poll_interval_seconds"], r["poll_cycles_measured"]
    for ports, requests in r["poll_requests_per_cycle"].items():
        _row(
            rows,
            f"gsm_gateway, {ports:>2} port(s), {r['poll_entities'][ports]} entities",
            f"{requests:g} requests, {r['poll_cpu_ms_per_cycle'][ports]:.2f} ms CPU",
        )
    _row(
        rows,
        f"rest + template, 32 ports, {r['rest_entities']} sensors (2nd HA, same time)",
        f"{r['rest_requests_per_cycle']:g} requests, {r['rest_cpu_ms_per_cycle']:.2f} ms CPU",
    )
    _row(
        rows,
        "CPU ratio rest / gsm_gateway, 32 ports",
        r["poll_cpu_ratio_rest_over_ours"],
        "x",
    )
    _row(
        rows,
        f"gsm_gateway, 32 ports, only the {r['poll_same_entities']} sensors rest has",
        f"{r['poll_requests_per_cycle']['32']:g} requests, "
        f"{r['poll_cpu_ms_per_cycle_32_same_entities']:.2f} ms CPU",
    )
    _row(
        rows,
        "rest + template at the same time",
        f"{r['rest_cpu_ms_per_cycle_second_window']:.2f} ms CPU",
    )
    _row(
        rows,
        "CPU ratio rest / gsm_gateway, 32 ports, same sensors",
        r["poll_cpu_ratio_rest_over_ours_same_entities"],
        "x",
    )
    _row(
        rows,
        "idle CPU subtracted (gsm_gateway's HA / rest's HA)",
        f"{r['idle_cpu_ms_per_s']:.2f} / {r['rest_idle_cpu_ms_per_s']:.2f} ms/s",
    )
    sections.append(
        (f"Polling, per cycle ({cycles} cycles each at {interval} s)", rows)
    )

    rows = []
    _row(
        rows,
        f"add 32 x 4 gateway via config flow ({r['setup_entities_enabled_32x4']} entities, "
        f"{r['setup_devices_32x4']} devices)",
        r["setup_seconds_32x4"],
        "s",
    )
    _row(rows, "reload it", r["setup_reload_seconds_32x4"], "s")
    _row(
        rows,
        "memory (RSS) it adds",
        f"{r['setup_memory_mib']:.1f} MiB ({r['ha_rss_mib_without']:.0f} -> "
        f"{r['ha_rss_mib_with_32x4']:.0f} MiB)",
    )
    for key, label in (("without", "without it"), ("with_32x4", "with it")):
        runs = r[f"startup_seconds_{key}_runs"]
        _row(
            rows,
            f"Home Assistant start-up {label} (median of {len(runs)})",
            f"{r[f'startup_seconds_{key}']:.2f} s  ({', '.join(f'{x:.2f}' for x in runs)})",
        )
    _row(rows, "(first boot of a fresh folder)", r["startup_seconds_first_boot"], "s")
    sections.append(("Set-up", rows))

    rows = []
    _row(
        rows,
        f"one SMS to {r['send_numbers']:,} numbers: HTTP requests",
        f"{r['send_1000_requests']} (ceil({r['send_numbers']}/128) = "
        f"{r['send_1000_expected_requests']})",
    )
    _row(rows, "... seconds until the action's response", r["send_1000_seconds"], "s")
    _row(rows, "... messages in the response", r["send_1000_messages_in_response"])
    sections.append(("Sending (gsm_gateway.send_sms, return_response)", rows))

    ov = r["vendors"]["openvox"]
    rows = []
    for spans, requests in ov["poll_requests"].items():
        _row(
            rows,
            f"OpenVox, {spans:>2} spans: requests per poll cycle (idle / following 20 sends)",
            f"{requests} / {ov['poll_requests_following_20'][spans]}",
        )
    _row(
        rows,
        "OpenVox, one SMS to 100 numbers: requests (one dest_num each)",
        f"{ov['send_100_requests']} in {ov['send_100_seconds']:.2f} s over "
        f"{ov['send_100_spans_used']} spans",
    )
    sf = r["vendors"]["simfolder"]
    for size, requests in sf["poll_requests"].items():
        _row(
            rows,
            f"SimFolder, {size:>5} cards: requests per poll cycle (idle / following 20 sends)",
            f"{requests} / {sf['poll_requests_following_20'][size]}",
        )
    _row(
        rows,
        "SimFolder, notification POST to parsed facts (median / p95 of 50)",
        f"{sf['notification_ms']['median']:.1f} / {sf['notification_ms']['p95']:.1f} ms",
    )
    sg = r["vendors"]["smsgateway24"]
    for phones, requests in sg["poll_requests"].items():
        _row(
            rows,
            f"SmsGateway24, {phones:>2} phones: requests per poll cycle "
            "(idle / with the 5-minute phone list / following 1,000 sends)",
            f"{requests} / {sg['poll_requests_with_phone_list'][phones]} / "
            f"{sg['poll_requests_following_sends'][phones]}",
        )
    _row(
        rows,
        "SmsGateway24, one SMS to 1,000 numbers: requests (one addalotofsms)",
        f"{sg['send_1000_requests']} in {sg['send_1000_seconds']:.2f} s",
    )
    md = r["vendors"]["modem"]
    _row(
        rows,
        "Modem: AT commands per poll cycle (state and the store's sweep)",
        md["poll_commands"],
    )
    _row(
        rows,
        "Modem: +CMTI to the message handed over, p50 / p99",
        f"{md['cmti_to_push_ms_p50']} / {md['cmti_to_push_ms_p99']}",
        "ms",
    )
    _row(
        rows,
        "Modem: one 5-part SMS (PDU mode, +CMGS per part)",
        f"{md['send_5_parts_on_air']} parts, {md['send_5_parts_commands']} "
        f"commands, {md['send_5_parts_seconds']:.3f} s",
    )
    sections.append(("Other gateway types (client against its simulator)", rows))

    width = max(len(label) for _, rows in sections for label, _ in rows)
    lines = []
    for title, rows in sections:
        lines.append(title)
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        lines.append("")
    lines += [
        "CPU: the Home Assistant process's user + system time (all threads), with",
        "its idle rate subtracted; a cycle is counted at the simulator (one",
        "get_port_info each); requests include HTTP Digest challenges.",
        f"Whole run: {r['bench_wall_seconds']:.0f} s (scripts/bench)",
    ]
    return "\n".join(lines)
