"""The HTTP layer every vendor client sends its requests through.

One `HttpClient.request` owns what is the same for every gateway: the
injected `aiohttp.ClientSession` (never created or closed here), timeouts,
TLS with or without certificate checks (LAN gateways use self-signed
certificates), HTTP authentication, the request counter of the polling budget
and the mapping of transport failures onto the shared errors.

Authentication follows what the gateways do: Dinstar answers Digest
(RFC 7616, MD5 with `qop=auth` in practice), some units Basic. The first
request goes without credentials; the challenge says which scheme to use.
Digest then reuses the server's nonce with an incrementing nonce count, so
after the first challenge every call is one request; a stale nonce is
answered by one retry with the fresh one. A wrong password is tried at most
once per call: a failed attempt may count as a failed login on the gateway,
and some lock the account after a few.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import hashlib
import json
import logging
import re
import secrets
import time
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from . import lenient_json
from .errors import (
    GatewayAnswerLostError,
    GatewayAuthError,
    GatewayConnectionError,
    GatewayResponseError,
)

_LOGGER = logging.getLogger(__name__)

_HASH_NAMES: Final = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
"""Digest algorithms of RFC 7616 (each also in its `-sess` variant)."""

_TOKEN = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)")
_PARAM = re.compile(
    r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)'
)


class HttpStatusError(GatewayResponseError):
    """The gateway answered with an HTTP error status (other than 401/403).

    Carries the answer, because some firmware puts its API's own error code
    in the body of such an answer.
    """

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP status {status}")
        self.status = status
        self.body = body


@dataclass(frozen=True, kw_only=True)
class HttpResponse:
    """A complete answer: status, headers and the whole body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as (possibly vendor-broken) JSON."""
        try:
            return lenient_json.loads(self.body)
        except ValueError as err:
            raise GatewayResponseError(f"answer is not JSON: {err}") from err


@dataclass(kw_only=True)
class _Challenge:
    """One authentication challenge from a WWW-Authenticate header."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class _DigestState:
    """The server nonce in use and how many times it has been used."""

    realm: str
    nonce: str
    opaque: str | None
    algorithm: str
    qop: str | None
    nonce_count: int = 0
    proven: bool = False
    """Whether the gateway accepted our credentials with this nonce."""


def parse_challenges(headers: list[str]) -> list[_Challenge]:
    """Split WWW-Authenticate headers into challenges (RFC 7235 §4.1).

    One header may carry several challenges (`Digest realm=..., Basic ...`)
    and a response may carry several headers.
    """
    challenges: list[_Challenge] = []
    for header in headers:
        position = 0
        current: _Challenge | None = None
        while position < len(header):
            if header[position] in ", \t":
                position += 1
                continue
            param = _PARAM.match(header, position)
            if param and current is not None:
                value = param.group(2)
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", r"\1", value[1:-1])
                current.params[param.group(1).lower()] = value
                position = param.end()
                continue
            token = _TOKEN.match(header, position)
            if token is None:
                break
            current = _Challenge(scheme=token.group(1).lower())
            challenges.append(current)
            position = token.end()
    return challenges


class HttpClient:
    """Send requests to one gateway, authenticated, counted and mapped."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        verify_ssl: bool = False,
        timeout: float = 10.0,
    ) -> None:
        # A bare "192.168.1.50" is what users type for a LAN box: read it as http.
        base = URL(url if "://" in url else f"http://{url}")
        self.base_url: URL = base.with_path(base.path.rstrip("/")).with_query(None)
        self._base_path = base.path.rstrip("/")
        self._session = session
        self._username = username
        self._password = password
        self._ssl: bool = verify_ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeout_seconds = timeout
        self._scheme: str | None = None
        self._digest: _DigestState | None = None
        # Embedded gateways serve one request at a time well, and a strictly
        # increasing nonce count needs the requests in order anyway.
        self._lock = asyncio.Lock()
        self.requests_made = 0

    def url_for(self, path: str, params: Mapping[str, str] | None = None) -> URL:
        """Build the URL of `path` (starting with "/") under the base URL."""
        url = self.base_url.with_path(self._base_path + path)
        return url.with_query(dict(params)) if params else url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one API call, authenticating as the gateway asks.

        The body is `json_body` as JSON, or `form` as an HTML form
        (`application/x-www-form-urlencoded`, what PHP services read as `$_POST`).
        Raises `GatewayConnectionError` when the gateway cannot be reached or
        times out, `GatewayAuthError` when it refuses the credentials, and
        `HttpStatusError` for any other HTTP error status.
        """
        url = self.url_for(path, params)
        body: bytes | None = None
        content_type: str | None = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            content_type = "application/json"
        elif form is not None:
            body = urlencode(dict(form)).encode()
            content_type = "application/x-www-form-urlencoded"
        async with self._lock:
            response = await self._authenticated(method, url, body, content_type)
        if response.status in (401, 403):
            raise GatewayAuthError(
                "wrong username or password"
                if response.status == 401
                else "access denied (HTTP 403)"
            )
        if response.status >= 400:
            raise HttpStatusError(response.status, response.body)
        return response

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one API call and decode its JSON answer."""
        response = await self.request(
            method, path, params=params, json_body=json_body, form=form
        )
        return response.json()

    async def _authenticated(
        self, method: str, url: URL, body: bytes | None, content_type: str | None
    ) -> HttpResponse:
        """Send, answering at most one challenge (see the module docstring)."""
        sent = self._authorization(method, url, body)
        response = await self._send(method, url, body, sent, content_type)
        if response.status != 401:
            if self._digest is not None and sent is not None:
                self._digest.proven = True
            return response
        if self._username is None or not self._learn(response, sent is not None):
            return response
        retried = self._authorization(method, url, body)
        response = await self._send(method, url, body, retried, content_type)
        if response.status != 401 and self._digest is not None:
            self._digest.proven = True
        return response

    def _learn(self, response: HttpResponse, sent: bool) -> bool:
        """Take the scheme and nonce from a 401; tell whether to try again.

        Credentials are tried again only when the failure was not theirs: no
        credentials were sent yet, the nonce that once worked went stale or
        was replaced, or the gateway now asks for another scheme.
        """
        challenges = parse_challenges(response.headers.getall("WWW-Authenticate", []))
        digest = next(
            (
                challenge
                for challenge in challenges
                if challenge.scheme == "digest"
                and "nonce" in challenge.params
                and _algorithm(challenge.params) in _HASH_NAMES
            ),
            None,
        )
        if digest is not None:
            previous = self._digest if self._scheme == "digest" else None
            stale = digest.params.get("stale", "").lower() == "true"
            if sent and previous is not None and not stale:
                renewed = digest.params["nonce"] != previous.nonce
                if not (previous.proven and renewed):
                    return False
            self._scheme = "digest"
            self._digest = _DigestState(
                realm=digest.params.get("realm", ""),
                nonce=digest.params["nonce"],
                opaque=digest.params.get("opaque"),
                algorithm=digest.params.get("algorithm", "MD5"),
                qop=_pick_qop(digest.params.get("qop")),
            )
            return True
        if any(challenge.scheme == "basic" for challenge in challenges):
            if sent and self._scheme == "basic":
                return False
            self._scheme = "basic"
            self._digest = None
            return True
        _LOGGER.debug("No authentication scheme we speak in %s", challenges)
        return False

    def _authorization(self, method: str, url: URL, body: bytes | None) -> str | None:
        """Build the Authorization header for the scheme learned so far."""
        if self._username is None or self._scheme is None:
            return None
        password = self._password or ""
        if self._scheme == "basic":
            return aiohttp.encode_basic_auth(self._username, password)
        assert self._digest is not None
        return _digest_header(
            self._digest,
            username=self._username,
            password=password,
            method=method,
            uri=url.raw_path_qs,
            body=body,
        )

    async def _send(
        self,
        method: str,
        url: URL,
        body: bytes | None,
        authorization: str | None,
        content_type: str | None,
    ) -> HttpResponse:
        """Send one HTTP request; map transport failures onto our errors."""
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        if content_type is not None:
            headers["Content-Type"] = content_type
        self.requests_made += 1
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                content = await response.read()
                return HttpResponse(
                    status=response.status, headers=response.headers, body=content
                )
        except aiohttp.ClientConnectorError as err:
            # No connection was made: the request never left.
            raise GatewayConnectionError(f"cannot reach {url.host}: {err}") from err
        except TimeoutError as err:
            # The request may have been taken (a connection that hangs until
            # the timeout is counted here too: it cannot be told apart).
            raise GatewayAnswerLostError(
                f"{url.host} did not answer within {self._timeout_seconds} s"
            ) from err
        except aiohttp.ClientError as err:
            raise GatewayAnswerLostError(f"no answer from {url.host}: {err}") from err


def _algorithm(params: Mapping[str, str]) -> str:
    """Name the hash of a Digest challenge (MD5 when it names none)."""
    return params.get("algorithm", "MD5").upper().removesuffix("-SESS")


def _pick_qop(offered: str | None) -> str | None:
    """Prefer `auth`; `auth-int` only when it is all the server offers."""
    if offered is None:
        return None
    options = {option.strip().lower() for option in offered.split(",")}
    if "auth" in options:
        return "auth"
    return "auth-int" if "auth-int" in options else None


def _digest_header(
    state: _DigestState,
    *,
    username: str,
    password: str,
    method: str,
    uri: str,
    body: bytes | None,
) -> str:
    """Compute an RFC 7616 Digest Authorization header, counting the nonce."""
    algorithm = state.algorithm.upper()
    hash_name = _HASH_NAMES[algorithm.removesuffix("-SESS")]

    def digest(data: str | bytes) -> str:
        raw = data.encode() if isinstance(data, str) else data
        # MD5 is what the protocol prescribes, not our choice of security.
        return hashlib.new(hash_name, raw, usedforsecurity=False).hexdigest()

    state.nonce_count += 1
    nc = f"{state.nonce_count:08x}"
    cnonce = secrets.token_hex(8)
    ha1 = digest(f"{username}:{state.realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = digest(f"{ha1}:{state.nonce}:{cnonce}")
    ha2_input = f"{method}:{uri}"
    if state.qop == "auth-int":
        ha2_input += ":" + digest(body or b"")
    ha2 = digest(ha2_input)
    if state.qop is None:
        # RFC 2069 servers: no qop, no nonce count.
        response = digest(f"{ha1}:{state.nonce}:{ha2}")
    else:
        response = digest(f"{ha1}:{state.nonce}:{nc}:{cnonce}:{state.qop}:{ha2}")
    parts = [
        f'username="{_quote(username)}"',
        f'realm="{_quote(state.realm)}"',
        f'nonce="{_quote(state.nonce)}"',
        f'uri="{uri}"',
        f"algorithm={state.algorithm}",
        f'response="{response}"',
    ]
    if state.opaque is not None:
        parts.append(f'opaque="{_quote(state.opaque)}"')
    if state.qop is not None:
        parts += [f"qop={state.qop}", f"nc={nc}", f'cnonce="{cnonce}"']
    return "Digest " + ", ".join(parts)


def _quote(value: str) -> str:
    """Escape a value for a quoted-string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


class Backoff:
    """Growing pauses after failures, so a cloud service is never retried in a storm.

    After the n-th failure in a row no request goes out for
    `first * 2 ** (n - 1)` seconds (at most `longest`); `check` raises while
    the pause lasts, and a success ends it (SPEC §8).
    """

    def __init__(
        self,
        *,
        first: float = 30.0,
        longest: float = 900.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.first = first
        self.longest = longest
        # Looked up at each call, so that a patched clock (tests) is seen.
        self._clock = clock or (lambda: time.monotonic())  # noqa: PLW0108
        self.failures = 0
        self._until = 0.0
        self._allowed = False

    @property
    def remaining(self) -> float:
        """Seconds left of the current pause (0 when requests may go out)."""
        return max(0.0, self._until - self._clock())

    def allow_once(self) -> None:
        """Let the next request out even within a pause (a lookup after a failure)."""
        self._allowed = True

    def check(self) -> None:
        """Raise `GatewayConnectionError` while a pause lasts."""
        if self._allowed:
            self._allowed = False
            return
        if (left := self.remaining) > 0:
            raise GatewayConnectionError(
                f"{self.failures} failures in a row: next try in {left:.0f} s"
            )

    def failed(self) -> None:
        """Count a failure and start the next, longer pause."""
        self.failures += 1
        pause = min(self.first * 2 ** (self.failures - 1), self.longest)
        self._until = self._clock() + pause

    def succeeded(self) -> None:
        """End the pauses: the service answers again."""
        self.failures = 0
        self._until = 0.0
