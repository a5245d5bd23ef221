"""Configuration, read from the environment (and a ``.env`` file) once, at start.

Only entry points build ``Settings``; everything else takes plain arguments.
"""

from __future__ import annotations

from pathlib import Path

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

    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_escalation_channel: str = ""

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str = ""

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.coachbot_data_dir / 'coachbot.db'}"
