"""Playlist recommenders: a library with one `Recommender` interface.

Nothing here imports the application (`mpdtui`), a UI toolkit or a Spotify client;
TensorFlow is imported only inside the two-tower model, when it is first trained or used.
"""

from models.base import (
    Cancelled,
    Dataset,
    ModelFormatError,
    PlaylistQuery,
    Progress,
    ProgressCallback,
    Recommendations,
    Recommender,
)

__all__ = [
    "Cancelled",
    "Dataset",
    "ModelFormatError",
    "PlaylistQuery",
    "Progress",
    "ProgressCallback",
    "Recommendations",
    "Recommender",
]
