"""The demo dataset's vocabulary: its themes and the words its names are drawn from.

A theme (genre or mood) has title phrases, a share of playlists and an audio-feature centre.
Playlist names follow the MPD's: a Zipf head of theme words ("country", "chill", "rap", ...),
generic names ("music", "new"), personal and one-off names, and emoji-only names (of any
theme). Artist, album and track names are pseudo-words of one to three syllables. Every draw
takes the generator's names random generator, so the order of draws, and the bytes written,
stay those of `mpdtui.data.demo`.
"""

from __future__ import annotations

import functools

import numpy as np

# theme name, title phrases (the first is the most common), share of playlists whose main theme
# it is (from the MPD's most frequent names: country and chill lead, then rap, workout, ...),
# (danceability, energy, valence, acousticness, instrumentalness, speechiness, loudness dB,
# tempo BPM)
THEMES: list[tuple[str, list[str], float, tuple[float, ...]]] = [
    ("chill", ["chill", "chill vibes", "chillax", "relax", "mellow", "lazy sunday"], 9.0,
     (0.55, 0.35, 0.5, 0.6, 0.3, 0.05, -11.0, 95.0)),
    ("workout", ["workout", "gym", "running", "cardio", "pump up", "beast mode"], 8.0,
     (0.75, 0.9, 0.6, 0.05, 0.05, 0.1, -4.5, 128.0)),
    ("party", ["party", "pregame", "turn up", "lit", "dance party", "party time"], 7.0,
     (0.85, 0.8, 0.75, 0.1, 0.02, 0.12, -5.0, 122.0)),
    ("country", ["country", "country roads", "southern nights", "honky tonk", "back roads"], 10.0,
     (0.6, 0.65, 0.65, 0.3, 0.01, 0.04, -6.5, 110.0)),
    ("rap", ["rap", "hip hop", "bars", "trap", "hip-hop hits", "rap caviar"], 9.0,
     (0.8, 0.65, 0.5, 0.12, 0.01, 0.3, -6.0, 140.0)),
    ("rock", ["rock", "classic rock", "rock n roll", "guitar heroes", "road trip rock"], 7.0,
     (0.5, 0.8, 0.55, 0.08, 0.08, 0.05, -6.0, 125.0)),
    ("indie", ["indie", "indie folk", "alt", "indie rock", "hipster"], 4.0,
     (0.55, 0.55, 0.45, 0.4, 0.15, 0.04, -8.0, 115.0)),
    ("sleep", ["sleep", "sleepy", "bedtime", "night night", "calm"], 3.5,
     (0.3, 0.15, 0.25, 0.9, 0.7, 0.04, -18.0, 75.0)),
    ("study", ["study", "focus", "studying", "homework", "concentration"], 3.0,
     (0.45, 0.3, 0.35, 0.7, 0.8, 0.04, -14.0, 90.0)),
    ("latin", ["latin", "música latina", "reggaetón", "latino", "salsa"], 3.0,
     (0.8, 0.75, 0.8, 0.15, 0.01, 0.08, -5.0, 100.0)),
    ("edm", ["edm", "house", "electro", "techno", "festival"], 4.0,
     (0.75, 0.9, 0.45, 0.02, 0.6, 0.06, -4.0, 126.0)),
    ("throwback", ["throwback", "oldies", "throwbacks", "90s", "80s", "nostalgia"], 8.0,
     (0.65, 0.65, 0.7, 0.2, 0.03, 0.05, -9.0, 115.0)),
    ("sad", ["sad", "feels", "heartbreak", "sad songs", "crying"], 5.0,
     (0.45, 0.35, 0.15, 0.55, 0.05, 0.04, -9.5, 85.0)),
    ("worship", ["worship", "praise", "church", "gospel", "sunday worship"], 5.0,
     (0.45, 0.55, 0.4, 0.3, 0.01, 0.04, -8.0, 105.0)),
    ("kpop", ["kpop", "k-pop", "케이팝", "bts", "idol"], 1.5,
     (0.75, 0.8, 0.65, 0.1, 0.01, 0.08, -4.0, 120.0)),
    ("jazz", ["jazz", "smooth jazz", "coffee shop", "jazz café", "bossa"], 2.0,
     (0.55, 0.3, 0.5, 0.8, 0.5, 0.05, -13.0, 100.0)),
    ("summer", ["summer", "summer vibes", "beach", "summer 2017", "sunshine"], 6.0,
     (0.75, 0.75, 0.8, 0.15, 0.02, 0.07, -5.5, 112.0)),
    ("metal", ["metal", "heavy metal", "metalcore", "headbang", "brutal"], 2.5,
     (0.35, 0.95, 0.3, 0.01, 0.2, 0.08, -3.5, 150.0)),
    ("road trip", ["road trip", "roadtrip", "driving", "car songs", "on the road"], 4.0,
     (0.6, 0.7, 0.65, 0.2, 0.03, 0.05, -6.5, 118.0)),
    ("classical", ["classical", "piano", "orchestra", "instrumental", "peaceful piano"], 1.5,
     (0.3, 0.15, 0.3, 0.95, 0.9, 0.04, -20.0, 80.0)),
    ("christmas", ["christmas", "christmas music", "xmas", "holiday", "christmas songs"], 6.0,
     (0.55, 0.45, 0.65, 0.5, 0.02, 0.04, -9.0, 110.0)),
    ("disney", ["disney", "disney songs", "musicals", "broadway", "disney jams"], 4.0,
     (0.55, 0.5, 0.6, 0.4, 0.02, 0.06, -8.0, 112.0)),
    ("pop", ["pop", "top hits", "pop hits", "today's hits", "radio"], 6.0,
     (0.7, 0.7, 0.55, 0.15, 0.01, 0.07, -5.5, 118.0)),
]
THEME_SHARE = np.array([t[2] for t in THEMES]) / sum(t[2] for t in THEMES)
CHART_SHARE = THEME_SHARE * np.array([3.0 if t[0] in ("rap", "pop", "party") else 1.0
                                      for t in THEMES])
CHART_SHARE = CHART_SHARE / CHART_SHARE.sum()
"""Which themes the chart hits come from: rap and pop lead, as in the MPD's top tracks."""


def _words(text: str) -> list[str]:
    return text.split()


GENERIC_TITLES = ["jams", "new", "music", "vibes", "my playlist", "songs", "favorites", "mix",
                  "good vibes", "playlist", "new playlist", "random", "stuff", "my songs",
                  "good stuff", "2017", "car", "songs i like", "current", "spotify"]
PERSON_NAMES = _words("alex sam jordan taylor emma olivia ava mia sophia isabella madison abby chloe "
                "hannah grace lily ella zoe kayla megan sarah jess kate lauren rachel amber "
                "brooke jake josh tyler ryan kyle matt nick chris mike dan ben will luke drew "
                "cody austin logan dylan mason noah ethan liam jack max sean kevin brandon "
                "justin eric adam zach nate cam mom dad")
PERSON_SUFFIXES = ["'s playlist", "'s jams", "'s mix", "'s music", "'s songs", "", " <3",
                   "'s faves"]
TAIL_WORDS = _words("night late drive golden hour rainy day morning coffee sunset sunrise ocean "
              "fire moon stars dreams feelings mood lights city summer winter spring fall "
              "autumn weekend friday saturday sunday monday vibes memories love life wild "
              "young old school blue gold green red black white pink purple dark bright soft "
              "loud slow fast easy hard good bad happy lost found home away road trip car "
              "ride walk run dance sing shower kitchen cooking cleaning work office school "
              "college senior prom wedding beach lake mountain camping bonfire pool boat "
              "island paradise heaven soul heart mind spirit energy chaos calm peace war "
              "jams tunes songs bops bangers hits anthems classics faves favorites mix "
              "collection throwbacks oldies new fresh current random misc stuff things "
              "2016 2017 2015 2k17 17 16 pt ii vol 1 2 3")
EMOJI_TITLES = ["🔥", "❤️", "😎", "🎶", "✨", "💯", "🌴☀️", "🙌", "😍😍", "💕", "🤘", "👌",
                "🌊", "🍂", "🎄", "💜", "😴", "🚗💨"]
TITLE_DECORATIONS = ["!!", " 🔥", " ✨", " 💯", "!"]
TITLE_SUFFIXES = ["mix", "playlist", "songs", "2017", "music", "2k17", "jams", "vibes"]
SYLLABLES = np.array(["ka", "lo", "mi", "ra", "ven", "so", "ta", "lu", "ne", "ri", "do", "za",
                      "mo", "shi", "ba", "el", "an", "or", "qu", "vy", "tre", "nox", "lia",
                      "fen", "gor", "ae", "ty", "ko", "sa", "pe", "ji", "wen", "da", "li"])


def playlist_title(rng: np.random.Generator, theme: int) -> str:
    """A playlist name: mostly its theme's words, else generic, personal or emoji-only."""
    roll = rng.random()
    if roll < 0.01:
        return _zipf_choice(rng, EMOJI_TITLES)
    if roll < 0.11:
        return _zipf_choice(rng, GENERIC_TITLES, 0.7)
    if roll < 0.21:
        return _personal_title(rng)
    if roll < 0.6:
        return _one_off_title(rng, theme)
    return _theme_title(rng, theme)


def _zipf_choice(rng: np.random.Generator, options: list[str], exponent: float = 1.0) -> str:
    cdf = _zipf_cdf(len(options), exponent)
    return options[int(np.searchsorted(cdf, rng.random() * cdf[-1], "right"))]


def _theme_title(rng: np.random.Generator, theme: int) -> str:
    phrase = _zipf_choice(rng, THEMES[theme][1], 1.5)
    roll = rng.random()
    if roll < 0.3:
        phrase = phrase.title()
    elif roll < 0.4:
        phrase = phrase.upper()
    decoration = rng.random()
    if decoration < 0.12:
        phrase += str(rng.choice(TITLE_DECORATIONS))
    elif decoration < 0.15:
        phrase += phrase[-1] * 2  # "chilll"
    elif decoration < 0.25:
        phrase += " " + str(rng.choice(TITLE_SUFFIXES))
    return phrase


def _personal_title(rng: np.random.Generator) -> str:
    person = _zipf_choice(rng, PERSON_NAMES, 0.6)
    suffix = str(rng.choice(PERSON_SUFFIXES))
    return (person.title() if rng.random() < 0.5 else person) + suffix


def _one_off_title(rng: np.random.Generator, theme: int) -> str:
    """Names that rarely repeat: a theme word with other words, or other words alone."""
    words = [_zipf_choice(rng, TAIL_WORDS, 0.5) for _ in range(int(rng.integers(1, 3)))]
    if rng.random() < 0.5:
        words.insert(int(rng.integers(0, len(words) + 1)), _zipf_choice(rng, THEMES[theme][1]))
    if rng.random() < 0.6:  # a made-up word: a band, a place, an in-joke
        words.append(_zipf_choice(rng, pseudo_words(), 0.9).lower())
    name = " ".join(words)
    return name.title() if rng.random() < 0.4 else name


@functools.cache
def _zipf_cdf(n: int, exponent: float) -> np.ndarray:
    return np.cumsum(1.0 / np.arange(1, n + 1) ** exponent)


def pseudo_names(rng: np.random.Generator, n: int, max_words: int) -> list[str]:
    """n names of 1..max_words capitalised pseudo-words of 1-3 syllables."""
    words = pseudo_words()
    n_words = rng.integers(1, max_words + 1, size=n).tolist()
    chosen = rng.integers(0, len(words), size=(n, max_words)).tolist()
    return [" ".join([words[i] for i in row[:count]]) for row, count in zip(chosen, n_words,
                                                                            strict=True)]


@functools.cache
def pseudo_words() -> list[str]:
    """Every word of one to three syllables, capitalised ("Ka", "Kalo", "Kalomi", ...)."""
    syllables = SYLLABLES.tolist()
    words = list(syllables)
    words += [a + b for a in syllables for b in syllables]
    words += [a + b + c for a in syllables for b in syllables[:12] for c in syllables[:12]]
    return [w.capitalize() for w in words]
