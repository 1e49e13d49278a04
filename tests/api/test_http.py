"""The shared HTTP layer: authentication, TLS, timeouts and error mapping.

A scripted server checks Digest answers with its own implementation of
RFC 7616 (not the client's), so a wrong hash cannot pass by agreeing with itself.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import ipaddress
from pathlib import Path
import re
import ssl

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

from custom_components.gsm_gateway.api import (
    GatewayAnswerLostError,
    GatewayAuthError,
    GatewayConnectionError,
    GatewayResponseError,
)
from custom_components.gsm_gateway.api.http import (
    HttpClient,
    HttpStatusError,
    parse_challenges,
)

from .conftest import Stub

REALM = "Gateway"
_PARAMS = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))')


def _h(algorithm: str, text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    name = "sha256" if algorithm.upper().startswith("SHA-256") else "md5"
    return hashlib.new(name, data, usedforsecurity=False).hexdigest()


@dataclass
class DigestServer:
    """Checks RFC 7616 answers; nonces live for `nonce_uses` requests."""

    password: str = "secret"
    algorithm: str = "MD5"
    qop: str | None = "auth"
    nonce_uses: int = 1000
    stale_flag: bool = True
    also_basic: bool = False
    opaque: str | None = "op"
    nonces: dict[str, int] = field(default_factory=dict)
    counts: list[str] = field(default_factory=list)
    requests: int = 0
    issued: int = 0

    def challenge(self, *, stale: bool = False) -> web.Response:
        self.issued += 1
        nonce = f"n{self.issued}"
        self.nonces[nonce] = 0
        parts = [f'realm="{REALM}"', f'nonce="{nonce}"']
        if self.opaque is not None:
            parts.append(f'opaque="{self.opaque}"')
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f'qop="{self.qop}"')
        if stale and self.stale_flag:
            parts.append("stale=true")
        response = web.Response(status=401, text="no")
        response.headers.add("WWW-Authenticate", "Digest " + ", ".join(parts))
        if self.also_basic:
            response.headers.add("WWW-Authenticate", f'Basic realm="{REALM}"')
        return response

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return self.challenge()
        fields = {
            m[1]: m[2] if m[2] is not None else m[3] for m in _PARAMS.finditer(header)
        }
        nonce = fields["nonce"]
        algorithm = fields.get("algorithm", "MD5")
        ha1 = _h(algorithm, f"{fields['username']}:{REALM}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = _h(algorithm, f"{ha1}:{nonce}:{fields['cnonce']}")
        a2 = f"{request.method}:{fields['uri']}"
        if fields.get("qop") == "auth-int":
            a2 += ":" + _h(algorithm, await request.read())
        ha2 = _h(algorithm, a2)
        if "qop" in fields:
            self.counts.append(fields["nc"])
            expected = _h(
                algorithm,
                f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}",
            )
        else:
            expected = _h(algorithm, f"{ha1}:{nonce}:{ha2}")
        assert fields["uri"] == request.raw_path
        if fields["response"] != expected or fields.get("opaque") != self.opaque:
            return self.challenge()
        if nonce not in self.nonces or self.nonces[nonce] >= self.nonce_uses:
            self.nonces.pop(nonce, None)
            return self.challenge(stale=True)
        self.nonces[nonce] += 1
        return web.json_response({"ok": True, "path": request.path_qs})


@pytest.fixture
def digest(stub: Stub) -> DigestServer:
    server = DigestServer()
    stub.routes["/api/x"] = server.handle
    return server


def http(
    session: aiohttp.ClientSession,
    url: str,
    password: str | None = "secret",
    **kw: object,
) -> HttpClient:
    return HttpClient(
        session,
        url,
        username=None if password is None else "admin",
        password=password,
        **kw,  # type: ignore[arg-type]
    )


async def test_digest_after_the_first_challenge_each_call_is_one_request(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    client = http(session, stub.url)
    for _ in range(5):
        assert await client.request_json("GET", "/api/x") == {
            "ok": True,
            "path": "/api/x",
        }
    assert client.requests_made == digest.requests == 6
    assert digest.counts == [f"{n:08x}" for n in range(1, 6)]


async def test_digest_signs_the_query_string_as_sent(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    client = http(session, stub.url)
    answer = await client.request_json(
        "GET", "/api/x", params={"info_type": "imei,reg", "text": "a b+é"}
    )
    assert answer["path"] == "/api/x?info_type=imei,reg&text=a+b%2B%C3%A9"


@pytest.mark.parametrize(
    ("algorithm", "qop", "opaque"),
    [
        ("MD5", "auth", "op"),
        ("MD5", "auth", None),
        ("MD5-sess", "auth", "op"),
        ("SHA-256", "auth", "op"),
        ("MD5", "auth-int", "op"),
        ("MD5", "auth,auth-int", "op"),
        ("MD5", None, "op"),
    ],
)
async def test_digest_variants(
    session: aiohttp.ClientSession,
    stub: Stub,
    digest: DigestServer,
    algorithm: str,
    qop: str | None,
    opaque: str | None,
) -> None:
    digest.algorithm, digest.qop, digest.opaque = algorithm, qop, opaque
    client = http(session, stub.url)
    assert await client.request_json("POST", "/api/x", json_body={"port": [1]})
    assert await client.request_json("POST", "/api/x", json_body={"port": [2]})
    assert digest.requests == 3


async def test_stale_nonce_is_renewed_with_one_retry(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    digest.nonce_uses = 2
    client = http(session, stub.url)
    for _ in range(4):
        await client.request_json("GET", "/api/x")
    # probe + 1, then 1, then stale + retry, then 1
    assert digest.requests == 6


async def test_replaced_nonce_without_stale_flag_is_retried_once(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    digest.nonce_uses, digest.stale_flag = 1, False
    client = http(session, stub.url)
    await client.request_json("GET", "/api/x")
    await client.request_json("GET", "/api/x")
    assert digest.requests == 4


async def test_wrong_password_is_tried_once_per_call(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    client = http(session, stub.url, password="wrong")
    with pytest.raises(GatewayAuthError):
        await client.request("GET", "/api/x")
    assert digest.requests == 2  # the probe and one try
    with pytest.raises(GatewayAuthError):
        await client.request("GET", "/api/x")
    assert digest.requests == 3  # the new nonce is not retried: never accepted


async def test_basic_when_the_challenge_asks_for_it(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    async def handler(request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(b"admin:secret").decode()
        if request.headers.get("Authorization") != expected:
            return web.Response(
                status=401, headers={"WWW-Authenticate": 'Basic realm="x"'}
            )
        return web.json_response({"ok": True})

    stub.routes["/api/x"] = handler
    client = http(session, stub.url)
    await client.request("GET", "/api/x")
    await client.request("GET", "/api/x")
    assert len(stub.seen) == 3
    assert "Authorization" not in stub.seen[0][4]

    wrong = http(session, stub.url, password="nope")
    with pytest.raises(GatewayAuthError):
        await wrong.request("GET", "/api/x")
    with pytest.raises(GatewayAuthError):
        await wrong.request("GET", "/api/x")
    assert len(stub.seen) == 6  # 2 + 1: Basic is never retried


async def test_digest_is_preferred_when_both_are_offered(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    digest.also_basic = True
    client = http(session, stub.url)
    await client.request("GET", "/api/x")
    assert stub.seen[1][4]["Authorization"].startswith("Digest ")


async def test_switch_from_basic_to_digest_when_the_gateway_changes(
    session: aiohttp.ClientSession, stub: Stub, digest: DigestServer
) -> None:
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.Response(status=401, headers={"WWW-Authenticate": "Basic"})
        if calls == 2:
            return web.json_response({"basic": True})
        return await digest.handle(request)

    stub.routes["/api/x"] = handler
    client = http(session, stub.url)
    assert await client.request_json("GET", "/api/x") == {"basic": True}
    # Basic refused now, Digest offered: one more try, with Digest.
    assert (await client.request_json("GET", "/api/x"))["ok"] is True
    assert calls == 4


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"WWW-Authenticate": "Bearer realm=x"},
        {"WWW-Authenticate": "Digest realm=x"},
    ],
)
async def test_401_without_a_scheme_we_speak(
    session: aiohttp.ClientSession, stub: Stub, headers: dict[str, str]
) -> None:
    stub.answer("/api/x", "no", status=401, headers=headers)
    client = http(session, stub.url)
    with pytest.raises(GatewayAuthError, match="wrong username or password"):
        await client.request("GET", "/api/x")
    assert len(stub.seen) == 1


async def test_401_without_credentials(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    stub.answer("/api/x", "no", status=401, headers={"WWW-Authenticate": "Basic"})
    with pytest.raises(GatewayAuthError):
        await http(session, stub.url, password=None).request("GET", "/api/x")
    assert len(stub.seen) == 1


async def test_403_is_an_auth_error(session: aiohttp.ClientSession, stub: Stub) -> None:
    stub.answer("/api/x", "forbidden", status=403)
    with pytest.raises(GatewayAuthError, match="403"):
        await http(session, stub.url).request("GET", "/api/x")


async def test_error_status_carries_the_body(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    stub.answer("/api/x", {"error_code": 500}, status=500)
    with pytest.raises(HttpStatusError) as err:
        await http(session, stub.url).request("GET", "/api/x")
    assert err.value.status == 500
    assert err.value.body == b'{"error_code": 500}'
    assert isinstance(err.value, GatewayResponseError)


async def test_answer_that_is_not_json(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    stub.answer("/api/x", "<html>login</html>")
    with pytest.raises(GatewayResponseError, match="not JSON"):
        await http(session, stub.url).request_json("GET", "/api/x")


async def test_unreachable_gateway(session: aiohttp.ClientSession, stub: Stub) -> None:
    # A port nothing listens on: take one the stub had and close it.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    client = http(session, f"http://127.0.0.1:{port}")
    with pytest.raises(
        GatewayConnectionError, match=r"cannot reach 127\.0\.0\.1"
    ) as err:
        await client.request("GET", "/api/x")
    assert client.requests_made == 1
    assert not isinstance(err.value, GatewayAnswerLostError), "nothing went out"


async def test_timeout(session: aiohttp.ClientSession, stub: Stub) -> None:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="{}")

    stub.routes["/api/x"] = hang
    client = http(session, stub.url, timeout=0.1)
    with pytest.raises(GatewayAnswerLostError, match=r"did not answer within 0\.1 s"):
        await client.request("GET", "/api/x")
    release.set()


async def test_connection_dropped_before_the_answer(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    """The request reached the gateway, which then closed the line: maybe taken."""

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return web.Response(text="{}")

    stub.routes["/api/x"] = drop
    with pytest.raises(GatewayAnswerLostError, match=r"no answer from 127\.0\.0\.1"):
        await http(session, stub.url).request("GET", "/api/x")


async def test_url_without_scheme_and_with_a_base_path(
    session: aiohttp.ClientSession, stub: Stub
) -> None:
    stub.answer("/gw/api/x", {"ok": 1})
    host = stub.url.removeprefix("http://")
    client = http(session, f"{host}/gw/")
    assert str(client.url_for("/api/x")) == f"{stub.url}/gw/api/x"
    assert await client.request_json("GET", "/api/x") == {"ok": 1}


def test_challenge_parsing() -> None:
    challenges = parse_challenges(
        [
            (
                'Digest realm="a \\"b\\", c", qop="auth,auth-int", nonce=abc, '
                'algorithm=MD5, Basic realm="x"'
            ),
            "Negotiate",
        ]
    )
    assert [c.scheme for c in challenges] == ["digest", "basic", "negotiate"]
    assert challenges[0].params == {
        "realm": 'a "b", c',
        "qop": "auth,auth-int",
        "nonce": "abc",
        "algorithm": "MD5",
    }
    assert challenges[1].params == {"realm": "x"}
    assert parse_challenges(["=broken"]) == []


# --- TLS ---------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, like a gateway's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gateway")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
async def https_url(
    socket_enabled: None, certificate: tuple[Path, Path]
) -> AsyncGenerator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"tls": True})

    app = web.Application()
    app.router.add_get("/api/x", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    yield f"https://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_self_signed_certificate_accepted_without_verification(
    session: aiohttp.ClientSession, https_url: str
) -> None:
    client = http(session, https_url, verify_ssl=False)
    assert await client.request_json("GET", "/api/x") == {"tls": True}


async def test_self_signed_certificate_refused_with_verification(
    session: aiohttp.ClientSession, https_url: str
) -> None:
    client = http(session, https_url, verify_ssl=True)
    with pytest.raises(GatewayConnectionError, match="certificate"):
        await client.request("GET", "/api/x")
