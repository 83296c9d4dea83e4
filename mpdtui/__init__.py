"""mpdtui: a keyboard-driven terminal playlist assistant."""

__version__ = "0.1.0"
