"""Errors a user can cause. Each carries one short, clear line meant for the person.

Adapters show ``str(error)`` as it is; the core never records anything when it raises one.
``StorageUnavailable`` also carries ``detail`` for operators (the CLI and the logs): which
store, where (password masked) and the driver's reason, none of which belongs in a chat.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base for every error caused by input or permissions (never a bug)."""


class InvalidInput(CoachError):
    """Text, amount, role or reference that cannot be used."""


class InvalidSetting(InvalidInput):
    """Policy settings that cannot be used, each named: ``errors`` maps a setting
    ("per_incident", "daily", "role", …) to what is wrong with it, so that a form can
    show each message beside its field. ``str(error)`` says them all on one line."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(
            "; ".join(f"{field.replace('_', '-')}: {msg}" for field, msg in self.errors.items())
        )

    def __reduce__(self) -> tuple[type[InvalidSetting], tuple[dict[str, str]]]:
        return (type(self), (self.errors,))


class InvalidAmount(InvalidInput):
    """An amount that is unparseable, zero, negative, absurd or in the wrong currency."""


class NotPermitted(CoachError):
    """The actor's role does not allow this (checked in the core, for every platform)."""


class NotFound(CoachError):
    """No such ledger entry, incident or playbook in this organisation."""


class AlreadyDecided(CoachError):
    """A spend request is decided once; a second click or command is refused."""


class PlaybookError(CoachError):
    """A playbook file that fails validation; the message names file and field.

    ``problems``: each (field path, what is wrong) behind the message, e.g.
    ``("steps[0].do", "Field required")``, so that a form can show each beside its
    input; empty when the playbook could not be read at all."""

    def __init__(self, message: str, problems: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __reduce__(
        self,
    ) -> tuple[type[PlaybookError], tuple[str, tuple[tuple[str, str], ...]]]:
        return (type(self), (str(self), self.problems))


class ConfigurationError(CoachError, ValueError):
    """A setting that cannot work (an unsupported ``DATABASE_URL``): said in one line.

    Also a ``ValueError``, which is what the settings' parsers raised before."""


class StorageUnavailable(CoachError):
    """The database or shared state cannot be reached right now.

    ``str(error)`` is the staff-facing line (plain words: no URL, host or driver text);
    ``detail`` is the operator's one line — the store, its URL with the password masked
    and the driver's reason. When nothing more is known, ``detail`` is the message.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = message if detail is None else detail

    def __reduce__(self) -> tuple[type[StorageUnavailable], tuple[str, str]]:
        # Keep ``detail`` across pickling (Exception's default passes ``args`` alone).
        return (type(self), (str(self), self.detail))
