"""The Textual app: setup wizard and playlist builder. It only calls `mpdtui.services`."""
