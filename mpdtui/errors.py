"""Errors the user can fix: printed as one line, never as a traceback; and the exit codes
every command and job process ends with."""

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code: int = EXIT_BAD_INPUT
