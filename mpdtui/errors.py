"""Errors the user can fix: printed as one line, never as a traceback."""


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code: int = 2
