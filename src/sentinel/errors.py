"""Typed errors of the environment; the server maps each to a 4xx status (never a 500)."""

from __future__ import annotations


class SentinelError(ValueError):
    """Base class: a request the environment refuses. ``status`` is the HTTP status to use."""

    status = 400
    code = "BAD_REQUEST"

    def __str__(self) -> str:  # the code travels with the message (WebSocket errors carry only text)
        return f"{self.code}: {super().__str__()}"


class UnknownTaskError(SentinelError):
    code = "UNKNOWN_TASK"


class UnknownModeError(SentinelError):
    code = "UNKNOWN_MODE"


class UnknownPreviewError(SentinelError):
    code = "UNKNOWN_PREVIEW"


class UnknownOverseerError(SentinelError):
    code = "UNKNOWN_OVERSEER"


class InvalidActionError(SentinelError):
    """Unknown action type, missing or ill-typed parameters, over-long text."""

    status = 422
    code = "INVALID_ACTION"


class InvalidSeedError(InvalidActionError):
    """A seed that is not an integer in [0, 2^31)."""


class WrongTurnError(SentinelError):
    """An action for the role whose turn it is not (or a step before reset)."""

    status = 409
    code = "WRONG_TURN"


class EpisodeFinishedError(SentinelError):
    status = 409
    code = "EPISODE_FINISHED"


class NotResetError(SentinelError):
    status = 409
    code = "NOT_RESET"


class EpisodeNotFoundError(SentinelError):
    """An unknown, deleted or evicted REST episode id."""

    status = 404
    code = "EPISODE_NOT_FOUND"


class ConflictError(SentinelError):
    """Two requests raced to step the same REST episode; the later one must retry."""

    status = 409
    code = "CONFLICT"
