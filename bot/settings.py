"""Configuration, read from the environment (and a ``.env`` file) once, at start.

Only entry points build ``Settings``; everything else takes plain arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "coachbot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Storage: empty means the embedded defaults (SQLite file, in-process state).
    database_url: str = ""
    redis_url: str = ""
    coachbot_org_file: Path | None = None
    coachbot_playbooks_dir: Path | None = None
    coachbot_data_dir: Path = Field(default_factory=default_data_dir)
    # An escalation nobody acknowledges is re-sent after this long, then moved a role up.
    coachbot_renotify_minutes: int = Field(default=10, ge=1)
    # After an incident has been quiet this long the employee is asked how it ended; once
    # more after as long again; then it is recorded as 'unknown'.
    coachbot_outcome_prompt_minutes: int = Field(default=30, ge=1)
    # Public base URL of `serve` (e.g. https://coach.example.com): customer pulse links are
    # built on it. Empty: staff hand out the bare code.
    coachbot_public_url: str = ""
    # `serve` waits this long for the database at start (it may come up after us in a
    # compose file or a cluster), retrying, before giving up with a clear message.
    coachbot_startup_wait_seconds: int = Field(default=60, ge=0)
    # `serve`'s JSON logs: DEBUG, INFO, WARNING or ERROR.
    coachbot_log_level: str = "INFO"
    # Keys the ledger's hash chain (HMAC-SHA256) from each organisation's next entry, and
    # signs checkpoints, so that someone who can write to the database but does not hold
    # this cannot forge entries. Keep it out of the database and its backups; never
    # change it once set. Empty: plain SHA-256, as before (`serve` warns).
    coachbot_ledger_key: SecretStr | None = None

    def ledger_key(self) -> bytes | None:
        """``COACHBOT_LEDGER_KEY`` as bytes; None when unset or empty."""
        if self.coachbot_ledger_key is None:
            return None
        return self.coachbot_ledger_key.get_secret_value().encode() or None

    # How many organisations this deployment serves: "one" (the organisation file's
    # users, locations and escalation channel are its starting point), "many" (a new
    # organisation starts from the file's currency, time zone and limits only), or empty
    # for "many" when Slack is installed by OAuth in several workspaces, else "one". A
    # multi-tenant Teams app serving several organisations sets "many".
    coachbot_organisations: Literal["", "one", "many"] = ""

    def serves_many_organisations(self) -> bool:
        if self.coachbot_organisations:
            return self.coachbot_organisations == "many"
        return bool(self.slack_client_id and self.slack_client_secret)

    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_escalation_channel: str = ""
    # Many workspaces: with both set, workspaces install the app at /slack/install (OAuth)
    # and each one's bot token is kept in the database; SLACK_BOT_TOKEN is then unused.
    slack_client_id: str = ""
    slack_client_secret: SecretStr | None = None
    # Only when the app lists several redirect URLs: the one this service answers.
    slack_redirect_uri: str = ""
    # Socket Mode: an app-level token (xapp-…, connections:write). With it set, `serve`
    # also opens a WebSocket to Slack; no public URL is needed.
    slack_app_token: SecretStr | None = None

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str = ""
    # "MultiTenant" (default) or "SingleTenant" (then MICROSOFT_APP_TENANT_ID is required and
    # activities from any other tenant are refused); "UserAssignedMSI" for a managed identity.
    microsoft_app_type: str = "MultiTenant"
    # Teams channel conversation id ("19:…@thread.tacv2") for escalation cards; managers can
    # also say "set escalation channel" in a channel, which is stored per tenant and wins.
    teams_escalation_conversation: str = ""
    # Where the Bot Connector's signing keys are published. Only for sovereign/private clouds
    # and tests; the default is Microsoft's public cloud.
    microsoft_openid_metadata_url: str = ""
    # With no MICROSOFT_APP_ID, /api/messages is closed (404). This opens it without
    # authentication to clients on this machine only, for the Bot Framework Emulator.
    # Never behind a proxy: a proxy on this machine makes every client look local.
    coachbot_teams_emulator: bool = False

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.coachbot_data_dir / 'coachbot.db'}"
