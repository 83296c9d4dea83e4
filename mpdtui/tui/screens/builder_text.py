"""The builder's words about the playlist as a whole: opened, restored from a draft, changed
elsewhere, found again in other data."""

from __future__ import annotations

from mpdtui.pipeline.display import counted, playlist_called
from mpdtui.printable import printable
from mpdtui.tui.messages import Changed, PlaylistLoaded
from mpdtui.tui.text import cut_name, quoted_name


def loaded_text(message: PlaylistLoaded) -> str:
    """Said of a playlist the builder shows: opened, restored, or changed elsewhere."""
    name, tracks = printable(message.name), counted(len(message.tracks), "track")
    if message.changed == "draft":
        text = (f"Restored {playlist_called(cut_name(name))} ({tracks}): its changes were not "
                "saved when mpdtui last closed. ctrl+s saves them; ctrl+n, then d, drops them.")
        if message.sound_filter:  # the suggestions follow it again: said, not left to find
            text += (f" The suggestions' filter by sound is back: "
                     f"'{printable(message.sound_filter)}' (f changes it).")
        text += drafts_left(message.drafts_left)
    elif message.changed:
        text = (f"{quoted_name(name)} was changed {where_changed(message.changed)}: shown as "
                f"saved ({tracks}).")
    else:
        text = f"Opened {quoted_name(name)}."
    return text + not_shown(message.not_shown)


def drafts_left(count: int) -> str:
    """Said of the other unsaved playlists that apps left (two windows closed)."""
    if not count:
        return ""
    if count == 1:
        return " 1 more unsaved playlist is kept: the next start shows it."
    return f" {count} more unsaved playlists are kept: each next start shows one."


def where_changed(changed: Changed) -> str:
    return "in another window or terminal" if changed == "elsewhere" else "in saved playlists"


def not_shown(count: int, whose: str = "its") -> str:
    """Said of a saved playlist's tracks that the catalog does not hold (saving keeps them)."""
    if not count:
        return ""
    if count == 1:
        return f" 1 of {whose} tracks is not in the catalog: not shown here; saving keeps it in place."
    return (f" {count:,} of {whose} tracks are not in the catalog: not shown here; saving keeps them "
            "in place.")


def kept_aside(count: int, name: str) -> str:
    """Said of an unsaved playlist kept as a new one: `count` of its tracks are not in the
    new data."""
    verb, them = ("is", "it") if count == 1 else ("are", "them")
    return printable(f" {count:,} of the playlist's tracks {verb} not in it: the playlist as "
                     f"it was, unsaved changes and all, is saved as {quoted_name(name)}, shown "
                     f"here without {them} (saving keeps {them} in place).")


def taken_out(count: int) -> str:
    """Said of a new playlist's tracks that other data does not hold."""
    if not count:
        return ""
    verb = "is" if count == 1 else "are"
    return f" {count:,} of the playlist's tracks {verb} not in it: taken out of the playlist."


def typed_name_kept(typed: str, draft_name: str) -> str:
    """Said of a name typed while a draft was being read (a long one comes seconds after the
    start): the restored tracks take it, so that what was typed last is not lost."""
    was = f"Its name was {quoted_name(printable(draft_name))}; t" if draft_name.strip() else "T"
    return f" {was}he name typed meanwhile, {quoted_name(printable(typed))}, is kept (n edits it)."


def tracks_added_kept(count: int) -> str:
    """Said of the tracks added to a new playlist while a draft was being read: kept after
    the draft's rather than replaced by them."""
    if not count:
        return ""
    them = "it" if count == 1 else "them"
    return (f" {counted(count, 'track')} added meanwhile {'is' if count == 1 else 'are'} kept, "
            f"after its tracks (u takes {them} out).")


def nothing_to_suggest_for(last_saved: str | None) -> str:
    """The status of an empty playlist with no name. A playlist saved and the app quit, the
    next start showed an empty one and said nothing of the saved one: it is named, and how to
    open it (esc first: in the name field, which has the cursor, p is typed)."""
    if last_saved is None:
        return "Type a name or add tracks to get suggestions."
    # short: at 80x24 the line has two rows of 45 cells (the saved list has the last first)
    return ("Type a name or add tracks for suggestions; esc, p, enter reopens "
            f"{quoted_name(last_saved)}.")
