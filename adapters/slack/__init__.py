"""Slack adapter: ``POST /slack/events`` (Events API, slash commands, interactivity),
``GET /slack/install`` + ``GET /slack/oauth_redirect`` (multi-workspace OAuth), and
Socket Mode.

``install(app, settings)`` is called by ``adapters.server.build_app``. How it runs is
read from the settings, nothing else:

* tokens — ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``: any number of workspaces
  install the app through Slack's OAuth flow; installations (bot tokens) are kept in the
  database. Otherwise ``SLACK_BOT_TOKEN``: the one workspace it belongs to.
* transport — ``SLACK_SIGNING_SECRET``: Slack POSTs to ``/slack/events``.
  ``SLACK_APP_TOKEN`` (``xapp-…``): Socket Mode, a WebSocket the service opens itself.
  Both may be set.

The organisation is the workspace (team id; enterprise id + team id on Enterprise Grid).
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web
from pydantic import SecretStr
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from adapters.keys import DATABASE_KEY
from adapters.slack.app import SlackBot
from adapters.slack.http import (
    SLACK_BOT_KEY,
    SLACK_RUNTIME_KEY,
    SlackRuntime,
    lifecycle,
    not_configured,
    slack_events,
    slack_oauth,
    socket_mode_only,
)
from adapters.slack.installations import SlackDatabase, SQLInstallationStore, SQLOAuthStateStore
from adapters.slack.workspaces import InstalledWorkspaces, SingleWorkspace, Workspaces, api_client
from bot.settings import Settings

__all__ = ["BOT_SCOPES", "SLACK_BOT_KEY", "SLACK_RUNTIME_KEY", "SlackBot", "install"]

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What an OAuth install asks for; the same list as slack/manifest.yaml (a test checks).
# incoming-webhook makes Slack's consent screen ask the installer for a channel: that is
# where the workspace's escalation cards go.
BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "channels:join",
    "files:write",
    "incoming-webhook",
    "assistant:write",  # the Agents & AI Apps container: suggested prompts, status
    "users:read",  # users.info: the workspace's owners and admins administer its policy
)


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def install(app: web.Application, settings: Settings) -> None:
    signing_secret = _secret(settings.slack_signing_secret)
    bot_token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    client_id = settings.slack_client_id.strip()
    client_secret = _secret(settings.slack_client_secret)
    oauth = bool(client_id and client_secret)
    if not (oauth or bot_token) or not (signing_secret or app_token):
        log.warning(
            "slack: not configured (needs SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, and "
            "SLACK_BOT_TOKEN or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET); /slack/events is off"
        )
        app.router.add_post(EVENTS_PATH, not_configured)
        return
    if app_token and not app_token.startswith("xapp-"):
        log.warning("slack: SLACK_APP_TOKEN should be an app-level token (xapp-…)")

    channel = settings.slack_escalation_channel.strip()
    database: SlackDatabase | None = None
    oauth_settings: AsyncOAuthSettings | None = None
    client = api_client(settings.slack_api_url, None if oauth else bot_token)
    workspaces: Workspaces = SingleWorkspace(client, channel)
    if oauth:
        database = SlackDatabase(app[DATABASE_KEY])  # the service's pool
        store = SQLInstallationStore(database, client_id=client_id)
        oauth_settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],  # explicit: Bolt would otherwise read SLACK_USER_SCOPES
            redirect_uri=settings.slack_redirect_uri.strip() or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # /slack/install sends the browser straight to Slack's consent screen.
            install_page_rendering_enabled=False,
            installation_store=store,
            installation_store_bot_only=True,
            state_store=SQLOAuthStateStore(database),
            logger=logging.getLogger("slack_bolt"),
        )
        workspaces = InstalledWorkspaces(
            store, api_url=settings.slack_api_url, default_channel=channel
        )
    if bot_token and oauth:
        log.warning("slack: SLACK_CLIENT_ID is set, so SLACK_BOT_TOKEN is ignored (OAuth mode)")

    app[SLACK_BOT_KEY] = SlackBot(
        # Socket Mode alone has no signing secret. /slack/events then answers 503 and is
        # never dispatched; the random secret is a second lock on that door (Bolt would
        # otherwise read SLACK_SIGNING_SECRET from the environment, or check against "").
        signing_secret=signing_secret or secrets.token_hex(32),
        client=client,
        workspaces=workspaces,
        oauth_settings=oauth_settings,
        escalation_channel=channel,
        public_url=settings.coachbot_public_url,
    )
    app[SLACK_RUNTIME_KEY] = SlackRuntime(database=database, app_token=app_token or None)
    app.router.add_post(EVENTS_PATH, slack_events if signing_secret else socket_mode_only)
    if oauth:
        app.router.add_get(INSTALL_PATH, slack_oauth)
        app.router.add_get(REDIRECT_PATH, slack_oauth)
    app.cleanup_ctx.append(lifecycle)
