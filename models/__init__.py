"""Playlist recommenders: a library with one `Recommender` interface (`models.base`).

Nothing here imports the application (`mpdtui`), a UI toolkit or a Spotify client;
TensorFlow is imported only inside the two-tower model, when it is first trained.
This package file imports nothing, so light users (e.g. `models.text` in ingest's worker
processes) do not pay for numpy and scipy.
"""
