"""Errors a user can cause. Each carries one short, clear line meant for the person.

Adapters show ``str(error)`` as it is; the core never records anything when it raises one.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base for every error caused by input or permissions (never a bug)."""


class InvalidInput(CoachError):
    """Text, amount, role or reference that cannot be used."""


class InvalidAmount(InvalidInput):
    """An amount that is unparseable, zero, negative, absurd or in the wrong currency."""


class NotPermitted(CoachError):
    """The actor's role does not allow this (checked in the core, for every platform)."""


class NotFound(CoachError):
    """No such ledger entry, incident or playbook in this organisation."""


class AlreadyDecided(CoachError):
    """A spend request is decided once; a second click or command is refused."""


class PlaybookError(CoachError):
    """A playbook file that fails validation; the message names file and field."""


class StorageUnavailable(CoachError):
    """The database or shared state cannot be reached right now."""
