"""Data layer: MPD reader, demo generator, SQLite catalog and sparse matrices. No UI imports."""
