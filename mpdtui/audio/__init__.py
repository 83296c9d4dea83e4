"""Audio-aware building: keys as musicians write them (and Camelot codes), filters on audio
features, and ordering a playlist for flow. Pure numpy; no UI, no I/O."""
