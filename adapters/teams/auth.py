"""Bot Framework authentication, configured from ``Settings`` and validated by the SDK.

With ``MICROSOFT_APP_ID`` set, every inbound activity's JWT is checked by botbuilder's own
validator (issuer, audience = our app id, expiry with 5 minutes' skew, signing key and its
channel endorsement, the ``serviceurl`` claim). With no app id the SDK runs without
authentication, as for the Bot Framework Emulator: local use only.

We always use the SDK's *parameterized* authentication with the public-cloud constants
spelled out, so that the one setting tests (and private clouds) change — where the signing
keys are published — goes through exactly the code path production runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    JwtTokenExtractor,
    ServiceClientCredentialsFactory,
)

from bot.settings import Settings

log = logging.getLogger("coachbot.teams.auth")

APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}
KEY_FETCH_TIMEOUT = 10.0  # seconds; the SDK's own fetch has no timeout at all


class TeamsConfigError(ValueError):
    """Teams settings that cannot work together (said at start, not on the first message)."""


@dataclass(frozen=True, slots=True)
class TeamsAuthConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str = (
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    )
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    OAUTH_URL: str = AuthenticationConstants.OAUTH_URL
    CALLER_ID: str = CallerIdConstants.public_azure_channel
    VALIDATE_AUTHORITY: bool = True

    @property
    def authenticated(self) -> bool:
        return bool(self.APP_ID)


def auth_config(settings: Settings) -> TeamsAuthConfig:
    app_type = APP_TYPES.get(settings.microsoft_app_type.strip().lower().replace("-", ""))
    if app_type is None:
        raise TeamsConfigError(
            f"MICROSOFT_APP_TYPE={settings.microsoft_app_type!r}: use MultiTenant, "
            "SingleTenant or UserAssignedMSI"
        )
    password = (
        settings.microsoft_app_password.get_secret_value()
        if settings.microsoft_app_password
        else ""
    )
    tenant = settings.microsoft_app_tenant_id
    if settings.microsoft_app_id and app_type == "SingleTenant" and not tenant:
        raise TeamsConfigError("a SingleTenant bot needs MICROSOFT_APP_TENANT_ID")
    if settings.microsoft_app_id and app_type != "UserAssignedMSI" and not password:
        raise TeamsConfigError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty")
    return TeamsAuthConfig(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=password,
        APP_TYPE=app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.microsoft_openid_metadata_url
        or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    )


def build_authentication(
    config: TeamsAuthConfig, credentials_factory: ServiceClientCredentialsFactory | None = None
) -> BotFrameworkAuthentication:
    """The SDK's authentication. ``credentials_factory`` is for *outbound* tokens only."""
    factory = credentials_factory or ConfigurationServiceClientCredentialFactory(config)
    return ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory)


class SigningKeys:
    """Fetch the Bot Connector's signing keys off the event loop, with a time limit.

    botbuilder fetches the OpenID metadata and keys with blocking ``requests.get`` and no
    timeout, inside the event loop: an unreachable key server would freeze every request,
    and its exception would surface as a 500. We ask the SDK's own key cache to refresh in a
    worker thread first; when that fails or times out the request is refused (401, fail
    closed) before the SDK runs, and when it succeeds the SDK finds fresh keys and does not
    fetch again.
    """

    def __init__(self, config: TeamsAuthConfig, timeout: float = KEY_FETCH_TIMEOUT) -> None:
        self._config = config
        self._timeout = timeout
        self._lock = asyncio.Lock()

    def _metadata_url(self, token: str) -> str:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if issuer == self._config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER:
            return self._config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
        return self._config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL

    async def ensure(self, auth_header: str | None) -> bool:
        """True when the keys for this token are cached (or the header is not a JWT at all,
        which the SDK refuses by itself). False: keys unreachable, refuse the request."""
        scheme, _, token = (auth_header or "").partition(" ")
        if scheme != "Bearer" or not token:
            return True
        try:
            url = self._metadata_url(token)
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return True  # not a JWT: the SDK says no without fetching anything
        metadata: Any = JwtTokenExtractor.get_open_id_metadata(url)
        async with self._lock:  # one fetch at a time; the others then find the cache fresh
            try:
                await asyncio.wait_for(
                    asyncio.to_thread(_refresh_in_thread, metadata, kid), self._timeout
                )
            except TimeoutError:
                log.error("signing keys: no answer from %s in %ss", url, self._timeout)
                return False
            except Exception as exc:  # any failure to fetch: fail closed
                log.error("Bot Framework signing keys unavailable from %s: %s", url, exc)
                return False
        return True


def _refresh_in_thread(metadata: Any, kid: str | None) -> None:
    # The SDK's cache refreshes itself when stale (a day) or on an unknown key (hourly);
    # its coroutine never awaits, so running it on a private loop keeps the blocking
    # requests off ours.
    # IndexError: a key id the publisher does not list; the SDK refuses the token itself.
    with contextlib.suppress(IndexError):
        asyncio.run(metadata.get(kid))
    # Whatever went wrong above, the keys must now be fresh, or the SDK would fetch them
    # again itself, on the event loop.
    if datetime.now() - metadata.last_updated > timedelta(days=1):
        raise ConnectionError("signing keys could not be refreshed")
