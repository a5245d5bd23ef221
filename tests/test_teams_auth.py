"""Teams authentication through the SDK's own validator, over real HTTP.

Tokens are minted here with a test RSA key; the service fetches that key from a local
OpenID metadata/JWKS publisher (``MICROSOFT_OPENID_METADATA_URL``), exactly as it would
fetch Microsoft's. Replies use ``deliveryMode: expectReplies`` so the accepted requests
need no outbound AAD token (that exchange goes to login.microsoftonline.com over HTTPS
and is not exercised offline).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from adapters.server import build_app
from adapters.teams.auth import TeamsConfigError
from tests.teams_connector import KeyPublisher, TeamsConnector
from tests.test_teams import TENANT, WASHER, WASHER_TITLE, teams_settings

APP_ID = "11111111-2222-3333-4444-555555555555"  # the recorded bot: 28:<app id>


@pytest.fixture
async def keys() -> AsyncIterator[KeyPublisher]:
    publisher = KeyPublisher()
    await publisher.start()
    yield publisher
    await publisher.stop()


def auth_settings(tmp_path: Path, metadata_url: str, **extra: Any) -> Any:
    return teams_settings(
        tmp_path,
        microsoft_app_id=APP_ID,
        microsoft_app_password=SecretStr("test-secret"),
        microsoft_openid_metadata_url=metadata_url,
        **extra,
    )


@pytest.fixture
async def client(tmp_path: Path, keys: KeyPublisher) -> AsyncIterator[TestClient]:
    c = TestClient(TestServer(build_app(auth_settings(tmp_path, keys.metadata_url))))
    await c.start_server()
    yield c
    await c.close()


def message(shared_fixtures: Path, connector: TeamsConnector, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        (shared_fixtures / "teams" / "teams_message_personal.json").read_text()
    )
    body.update(serviceUrl=connector.service_url, text=WASHER, deliveryMode="expectReplies")
    body.update(changes)
    return body


async def post(client: TestClient, body: dict[str, Any], token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    resp = await client.post("/api/messages", data=json.dumps(body), headers=headers)
    text = await resp.text()
    return resp.status, (json.loads(text) if text else None)


async def test_a_valid_connector_token_is_accepted(
    client: TestClient, keys: KeyPublisher, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    body = message(shared_fixtures, connector)
    token = keys.token(audience=APP_ID, service_url=connector.service_url)
    status, reply = await post(client, body, token)
    assert status == 200
    [activity] = reply["activities"]
    assert activity["attachments"][0]["content"]["body"][0]["text"] == WASHER_TITLE


def _forged() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("case", "token_args"),
    [
        ("missing", None),
        ("forged signature", {"signing_key": "forged"}),
        ("wrong audience", {"audience": "22222222-0000-0000-0000-000000000000"}),
        ("wrong issuer", {"issuer": "https://evil.example.com"}),
        ("expired", {"lifetime": -600}),
        ("other serviceUrl", {"service_url": "https://smba.trafficmanager.net/amer/"}),
        ("unknown key id", {"kid": "not-published"}),
        ("not a JWT", {"raw": "not.a.jwt"}),
    ],
)
async def test_bad_tokens_get_401_and_nothing_is_sent(
    client: TestClient,
    keys: KeyPublisher,
    connector: TeamsConnector,
    shared_fixtures: Path,
    case: str,
    token_args: dict[str, Any] | None,
) -> None:
    body = message(shared_fixtures, connector, deliveryMode=None)  # a reply would be posted
    token: str | None = None
    if token_args is not None:
        args: dict[str, Any] = {"audience": APP_ID, "service_url": connector.service_url}
        args.update(token_args)
        if args.get("signing_key") == "forged":
            args["signing_key"] = _forged()
        token = args.pop("raw", None) or keys.token(**args)
    status, _ = await post(client, body, token)
    assert status == 401, case
    assert connector.posted == []


async def test_keys_unreachable_fails_closed(
    tmp_path: Path, keys: KeyPublisher, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1/.well-known/openidconfiguration"
    async with TestClient(TestServer(build_app(auth_settings(tmp_path, dead)))) as client:
        token = keys.token(audience=APP_ID, service_url=connector.service_url)
        started = time.monotonic()
        status, _ = await post(client, message(shared_fixtures, connector), token)
        assert status == 401
        assert time.monotonic() - started < 5
        # and the server still answers (the event loop was never blocked)
        assert (await client.get("/healthz")).status == 200
    assert connector.posted == []


async def test_single_tenant_refuses_other_tenants(
    tmp_path: Path, keys: KeyPublisher, connector: TeamsConnector, shared_fixtures: Path
) -> None:
    settings = auth_settings(
        tmp_path,
        keys.metadata_url,
        microsoft_app_type="SingleTenant",
        microsoft_app_tenant_id="56653e9d-2158-46ee-90d7-675c39642038",
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        token = keys.token(audience=APP_ID, service_url=connector.service_url)
        body = message(shared_fixtures, connector)
        assert body["channelData"]["tenant"]["id"] == TENANT
        status, _ = await post(client, body, token)
        assert status == 403


def test_single_tenant_needs_a_tenant_id(tmp_path: Path) -> None:
    settings = auth_settings(tmp_path, "", microsoft_app_type="SingleTenant")
    with pytest.raises(TeamsConfigError, match="MICROSOFT_APP_TENANT_ID"):
        build_app(settings)


def test_unknown_app_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TeamsConfigError, match="MICROSOFT_APP_TYPE"):
        build_app(auth_settings(tmp_path, "", microsoft_app_type="Sometimes"))
