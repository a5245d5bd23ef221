"""The aiohttp application keys shared by the server and the platform adapters.

Their own module so that ``adapters.server`` (which installs the adapters) and the
adapters (which read the coach, the database and the settings from the app) both import
them from here, and neither imports the other.
"""

from __future__ import annotations

from aiohttp import web

from bot.coach import Coach
from bot.database import Database
from bot.settings import Settings

COACH_KEY = web.AppKey("coach", Coach)
# One connection pool per process: the core's stores and the adapters' tables share it.
DATABASE_KEY = web.AppKey("database", Database)
SETTINGS_KEY = web.AppKey("settings", Settings)

__all__ = ["COACH_KEY", "DATABASE_KEY", "SETTINGS_KEY"]
