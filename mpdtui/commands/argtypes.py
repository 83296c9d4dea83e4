"""Argument types for argparse: a bad value is refused with one line naming it."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_between(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (no upper bound when None)."""
    if high is not None:
        wanted = f"an integer from {low} to {high}"
    else:
        wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(
            low, f"an integer of at least {low}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    parse.__name__ = "integer"  # what argparse names in its own messages
    return parse


positive_int = int_between(1)
non_negative_int = int_between(0)
port_number = int_between(1, 65535)
