"""Pilot tests of the app, driven by keys only, on a tiny demo dataset: the palette, help
and the Spotify login and export (the wizard, the builder and the saved playlists have modules
of their own)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from textual.widgets import DataTable, Input, OptionList, Static
from tui_support import (  # noqa: F401 (fixtures)
    DEMO,
    SIZE,
    builder,
    builder_ready,
    label_text,
    make_app,
    notifications,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.pipeline.events import StageProgress, StageStarted
from mpdtui.pipeline.request import JobRequest
from mpdtui.services.root import open_services
from mpdtui.services.spotify import SpotifyService
from mpdtui.spotify import auth
from mpdtui.tui.messages import LoginUrl
from mpdtui.tui.screens.builder import BuilderScreen
from mpdtui.tui.screens.help import KEYS
from mpdtui.tui.screens.playlists import PlaylistsScreen
from mpdtui.tui.screens.setup_spotify import NOT_A_REDIRECT
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.wizard import SETUP_STEPS

pytestmark = pytest.mark.asyncio


async def take_a_screenshot(tmp_path: Path, export_folder: Path) -> str:
    """What the app says after the palette's Screenshot on its first screen."""
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path, export_dir=export_folder)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await run_command(pilot, "screenshot")
        await wait_for(pilot, lambda: notifications(app), what="a word on the screenshot")
        return notifications(app)[-1]


async def test_the_palettes_screenshot_says_where_it_saved_it_or_why_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's own screenshot goes to ~/Downloads only: without that folder (an account on a
    server) it said "Failed to save screenshot" and saved nothing."""
    downloads = tmp_path / "Downloads"
    monkeypatch.setattr("mpdtui.tui.app.user_downloads_path", lambda: downloads)
    in_the_way = tmp_path / "a file"
    in_the_way.write_text("")
    said = await take_a_screenshot(tmp_path, in_the_way / "exports")
    assert said.startswith(f"{in_the_way}/exports/mpdtui-screenshot-")
    assert said.endswith(".svg: Not a directory")
    for folder in (tmp_path / "exports", downloads):  # no Downloads folder, then one
        said = await take_a_screenshot(tmp_path, tmp_path / "exports")
        [saved] = folder.glob("*.svg")
        assert said == f"Saved the screenshot to {saved}"
        assert "Cache&#160;directory" in saved.read_text()  # the screen it showed
        downloads.mkdir(exist_ok=True)


# --- help and palette ---------------------------------------------------------------------------

async def test_the_theme_chosen_in_the_palette_is_kept_for_the_next_start(
        trained_copy: Locations, tmp_path: Path) -> None:
    """ctrl+p, Theme: the choice goes to config.json and the next start uses it. One that
    config.json names but no longer exists (a typo, another Textual) is said, and the default
    kept; one that is no name at all, too."""
    from mpdtui import config

    app = make_app(trained_copy, tmp_path)
    default = app.theme
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "theme")  # then the themes, searched as the palette is
        await type_text(pilot, "gruvbox")
        themes = app.screen
        await wait_for(pilot, lambda: themes.query_one("CommandList").option_count == 1,
                       what="gruvbox alone")  # all are listed until the search narrows them
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "gruvbox" and config.theme(trained_copy) == "gruvbox"
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert app.theme == "gruvbox"
    for saved, said in (("gruvbox-2", f"{trained_copy.config_json}: no theme is named "
                                      "'gruvbox-2', so the default is used: ctrl+p, Theme, "
                                      "picks one."),
                        (7, f'{trained_copy.config_json}: "theme" must be a theme\'s name, got '
                            "7; fix or delete it")):
        config.update(trained_copy, theme=saved)
        app = make_app(trained_copy, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            assert app.theme == default and said in notifications(app)
        assert config.read_raw(trained_copy)["theme"] == saved, "left for the user to fix"


async def test_help_lists_every_key() -> None:
    documented = " ".join(key for keys in KEYS.values() for key, _ in keys)
    screens: list[type] = [BuilderScreen, PlaylistsScreen, SetupStep, *SETUP_STEPS]
    for screen in screens:
        for binding in screen.BINDINGS:
            for key in binding.key.split(","):  # type: ignore[union-attr]
                shown = {"slash": "/", "question_mark": "?"}.get(key, key)
                assert shown in documented, f"{screen.__name__}: key {key} not in the help"


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_help_screen_opens_and_closes(trained_copy: Locations, tmp_path: Path,
                                            size: tuple[int, int]) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=size) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "question_mark")
        assert screen_name(pilot) == "HelpScreen"
        help_box = app.screen.query_one("#help")
        assert help_box.region.right <= size[0]  # whole, at 80 columns too
        key, what = (app.screen.query_one(f"#help .{part}", Static) for part in ("key", "what"))
        assert (str(key.render()), str(what.render()))[0] == "? / f1"
        assert str(what.render()).startswith("this help")
        long = next(w for w in app.screen.query("#help .what").results(Static)
                    if str(w.render()).startswith("filter suggestions by sound"))
        assert long.region.height > 1 and long.region.x == what.region.x  # wraps in its column
        assert help_box.max_scroll_y > 2 or size != (80, 24)  # too long for 24 rows
        if help_box.max_scroll_y:  # the keys that move in a list move in the help
            await pilot.press("j", "j")
            assert help_box.scroll_y == 2
            await pilot.press("G")
            assert help_box.scroll_y == help_box.max_scroll_y
            await pilot.press("k", "g")
            assert help_box.scroll_y == 0
        await pilot.press("escape")
        assert screen_name(pilot) == "BuilderScreen"


async def test_palette_switches_model(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "model: item")
        await settle(pilot)
        assert builder(app).model_name == "item_knn"


async def test_the_palette_does_not_open_over_a_dialog(trained_copy: Locations,
                                                      tmp_path: Path) -> None:
    """ctrl+p over a dialog opened the palette, whose setup steps and help went over the
    dialog, which waited beneath them (a setup step there could switch the cache dir under
    the playlist it asked about). Now it says to close the dialog first; the dialog's keys
    go on."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        screen.playlist = app.services.catalog.tracks([1, 2])  # unsaved: ctrl+n asks
        await pilot.press("escape", "ctrl+n")
        assert screen_name(pilot) == "UnsavedScreen"
        await pilot.press("ctrl+p")
        assert screen_name(pilot) == "UnsavedScreen"
        assert notifications(app)[-1] == ("The command palette works on the screens, not in "
                                          "a dialog: close it first (esc).")
        await pilot.press("escape")  # the dialog's Cancel
        assert screen_name(pilot) == "BuilderScreen"
        await run_command(pilot, "help")  # on a screen it opens as before
        assert screen_name(pilot) == "HelpScreen"


async def test_ctrl_z_suspends_from_a_dialog_too(trained_copy: Locations, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """ctrl+z did nothing while a dialog was open (the app's keys stop at a dialog; ctrl+q's
    did not). Here the suspension itself is counted, not done: it would stop the tests."""
    app = make_app(trained_copy, tmp_path)
    suspended: list[str] = []
    monkeypatch.setattr(app, "action_suspend_process",
                        lambda: suspended.append(type(app.screen).__name__))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("ctrl+z")
        builder(app).playlist = app.services.catalog.tracks([1, 2])  # unsaved: ctrl+n asks
        await pilot.press("escape", "ctrl+n", "ctrl+z")
        assert screen_name(pilot) == "UnsavedScreen"
        assert suspended == ["BuilderScreen", "UnsavedScreen"]


@pytest.mark.parametrize("key", ["question_mark", "ctrl+p"])
async def test_help_or_palette_opened_while_loading_goes_when_the_builder_comes(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        key: str) -> None:
    """The footer offers ? and the palette while the app loads; opened then, the first screen
    went over them, where they stayed beneath it for good."""
    import threading

    import mpdtui.services.root

    loaded = threading.Event()
    opened = mpdtui.services.root.open_services

    def slow(*args: Any) -> Any:
        loaded.wait(30)
        return opened(*args)

    monkeypatch.setattr(mpdtui.services.root, "open_services", slow)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert screen_name(pilot) in ("HelpScreen", "CommandPalette")
        loaded.set()
        await builder_ready(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "BuilderScreen"]


assert DEMO.playlists == 1500  # the sizes the assertions above rely on


# --- Spotify: login in the setup, then export (against the loopback fake) ----------------------

class AnyPort(SpotifyService):
    def login(self, client_id: str, **kwargs: Any) -> Any:
        return super().login(client_id, **{**kwargs, "port": 0})


@pytest.fixture
def fake_spotify(monkeypatch: pytest.MonkeyPatch) -> Any:
    from fake_spotify import FakeSpotify

    with FakeSpotify() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
        yield server


async def test_the_login_url_shows_at_24_rows_and_goes_to_the_clipboard(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Over SSH the URL is opened on another machine: it was below the fold at 80×24, and a
    selection of its wrapped lines copies line breaks into it."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        step = app.screen
        url = ("https://accounts.spotify.com/authorize?client_id=abc&response_type=code&"
               "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge=" + "x" * 43)
        step.post_message(LoginUrl(url))
        await settle(pilot)
        assert app.clipboard == url
        shown, paste = step.query_one("#login-url"), step.query_one("#redirect-url", Input)
        visible = step.query_one("#step").content_region
        assert paste.has_focus
        assert visible.contains_region(shown.region) and visible.contains_region(paste.region)
        assert "".join(str(shown.render()).split("\n")).endswith(url)
        assert "INVALID_CLIENT: check the Client ID" in label_text(pilot, "#step-status")
        assert "hold http://127.0.0.1:8765/callback exactly" in label_text(pilot, "#step-status")


async def start_login(pilot: Any, client_id: str) -> None:
    """From the builder to the Spotify step, and a login started there with `client_id`."""
    await builder_ready(pilot)
    await pilot.press("f2", "ctrl+n", "ctrl+n")
    assert screen_name(pilot) == "SpotifyStep"
    await type_text(pilot, client_id)
    await pilot.press("enter")


async def paste_redirect(pilot: Any, redirect: str) -> None:
    """Once the login waits for it, `redirect` pasted into its field and entered."""
    paste = pilot.app.screen.query_one("#redirect-url", Input)
    await wait_for(pilot, lambda: paste.has_focus, what="the paste field")
    paste.value = redirect
    await pilot.press("enter")


async def test_a_link_given_for_the_client_id_is_refused_before_the_login(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Spotify's page said only INVALID_CLIENT, in the browser, and the login waited in vain."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, "https://developer.spotify.com/dashboard/1a2b")
        await settle(pilot)
        assert label_text(pilot, "#step-status") == (  # cut past 40 cells as names are
            "'https://developer.spotify.com/dashboard…' is not a Client ID: copy your "
            "Spotify app's Client ID (32 letters and digits) from developer.spotify.com/"
            "dashboard, your app, Settings.")
        assert app.services.spotify.client_id() is None  # not saved either


async def test_a_refused_login_says_why_beside_the_login_url(fake_spotify: Any,
                                                             trained_copy: Locations,
                                                             tmp_path: Path) -> None:
    """It said "Not logged in. Try again", the reason gone with its notification."""
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        await paste_redirect(pilot, "http://127.0.0.1:8765/callback?error=access_denied&state=x")
        await wait_for(pilot, lambda: "Not logged in" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            "Not logged in: Spotify login was refused (access_denied: Cancel was chosen on "
            "Spotify's page): log in here (ctrl+r) and choose Agree. Try again (ctrl+r) or "
            "skip (ctrl+n).")


async def test_a_login_failing_over_a_working_one_says_that_one_holds(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    """A second login that failed said "Not logged in: ..." under "Logged in to Spotify as
    Fake User", and the earlier login still worked."""
    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        await pilot.press("ctrl+r")  # the client id of the login there is filled in
        await paste_redirect(pilot, "http://127.0.0.1:8765/callback?error=access_denied&state=x")
        await wait_for(pilot, lambda: "failed" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            "This login failed (the earlier one above still holds): Spotify login was refused "
            "(access_denied: Cancel was chosen on Spotify's page): log in here (ctrl+r) and "
            "choose Agree. Try again (ctrl+r) or skip (ctrl+n).")
        assert "Logged in to Spotify as Fake User" in label_text(pilot, "#spotify-user")


async def test_the_spotify_steps_messages_say_here_and_not_f2(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On the Spotify step, a failed login said "log in at the setup's Spotify step (f2)";
    and where a desktop seems to be, nothing said to open the page by hand when no browser
    came up (its opener reports success as it starts)."""
    from desktop_browser import desktop_browser

    desktop_browser(monkeypatch, tmp_path)
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort),
                   open_browser=True)
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        paste = app.screen.query_one("#redirect-url", Input)
        await wait_for(pilot, lambda: paste.has_focus, what="the paste field")
        assert label_text(pilot, "#step-status").startswith(
            "Waiting for the login in the browser (escape cancels)… No browser came up? Open "
            "the login page shown here in a browser yourself.")
        paste.value = "http://127.0.0.1:8765/callback?error=access_denied&state=x"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not logged in" in label_text(pilot, "#step-status"),
                       what="the refusal")
        said = [label_text(pilot, "#step-status"), *notifications(app)]
        assert not [line for line in said if "(f2)" in line or "Spotify step" in line], said
        assert "page): log in here (ctrl+r) and choose Agree." in said[0]


async def test_a_pasted_redirect_cut_short_is_asked_again_and_one_in_quotes_logs_in(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    """An address pasted without the end of its `state=` ended the login: "a stale or forged
    redirect", and the whole address pasted next in quotes was refused the same way."""
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        shown = app.screen.query_one("#login-url", Static)
        await wait_for(pilot, lambda: "authorize?" in str(shown.render()), what="the URL")
        url = str(shown.render()).split(": ", 1)[1]
        whole = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        await paste_redirect(pilot, whole[:-2])
        await wait_for(pilot, lambda: "cut short" in label_text(pilot, "#step-status"),
                       what="the slip said")
        assert label_text(pilot, "#step-status").startswith(
            "That is not it: the pasted address is cut short")
        await paste_redirect(pilot, f'"{whole}"')
        await wait_for(pilot, lambda: "Logged in" in label_text(pilot, "#step-status"),
                       what="the login")


async def test_spotify_login_by_pasted_url_then_export(fake_spotify: Any,
                                                       trained_copy: Locations,
                                                       tmp_path: Path) -> None:
    import requests

    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        step = app.screen

        def login_url() -> str:
            shown = str(step.query_one("#login-url").render())
            said = "Login page (copied to the clipboard): "
            return shown.split(said, 1)[1].strip() if said in shown else ""

        await wait_for(pilot, login_url)
        cancelled = login_url()
        await pilot.press("escape")  # a login given up, then another: its paste is read
        await wait_for(pilot, lambda: "Login cancelled" in label_text(pilot, "#step-status"))
        assert not any("cancelled" in n for n in notifications(app)), "no failure: escape"
        assert login_url() == "", "a login page of no use now"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: login_url() not in ("", cancelled))
        url = login_url()
        assert app.clipboard == url
        assert label_text(pilot, "#step-status").startswith(  # no browser: where to log in
            "No browser can open here (no desktop: an ssh login?): open the login page shown here in "
            "a browser on any machine, then paste here the address it lands on")
        redirect = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        paste = step.query_one("#redirect-url", Input)
        assert paste.has_focus
        paste.value = redirect  # what a terminal paste puts in the field
        await pilot.press("enter")
        await settle(pilot)
        assert "Logged in" in label_text(pilot, "#step-status")
        assert "Fake User" in label_text(pilot, "#spotify-user")
        assert login_url() == ""
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")  # features, training, finish
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "for spotify")
        screen.playlist = app.services.catalog.tracks([1, 2, 3])
        await pilot.press("escape", "e", "j", "j", "j", "enter")
        await settle(pilot)
        assert any("Exported to Spotify: 3 tracks" in n for n in notifications(app))


async def test_a_job_left_running_behind_the_builder_stops_from_the_palette(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Training left to run behind the builder (ctrl+n in the training step), or the saved
    playlists' Spotify import, could be stopped only by quitting."""
    config.update(trained_copy, model_settings={"als": {"iterations": 100_000}})  # minutes
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)

        async def stop_hits() -> list[str]:
            await pilot.press("ctrl+p")
            await type_text(pilot, "stop")
            await pilot.pause(0.5)  # the palette's search (settle would wait for the job too)
            hits = app.screen.query_one("CommandList", OptionList)
            titles = [str(hits.get_option_at_index(n).prompt).split("\n")[0]  # less its help
                      for n in range(hits.option_count)]
            await pilot.press("escape")
            return [title for title in titles if title.startswith("Stop")]

        assert await stop_hits() == []  # no job: no such command
        assert app.jobs.start(JobRequest("setup", models=("als",), retrain=True,
                                         demo_features=False))
        await wait_for(pilot, lambda: "als" in app.sub_title, what="ALS training")
        assert await stop_hits() == ["Stop the running job"]
        await run_command(pilot, "stop the running job")
        await wait_for(pilot, lambda: not app.jobs.running, what="the job's end", timeout=60)
        assert "Stopping the running job (training) where it can resume…" in notifications(app)
        assert ("Cancelled. What was finished is kept: continue it at the setup's training "
                "step (f2).") in notifications(app)  # "run it again": where? f2 opened step 1
        assert app.sub_title == app.SUB_TITLE and isinstance(app.screen, BuilderScreen)
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="its step")


async def test_your_own_spotify_playlists_import_from_the_saved_playlists(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    """I (or the palette's "Import my Spotify playlists") on the saved playlists: your own
    Spotify playlists become saved playlists, in a job; the list shows them and the app says
    how it went. Before, only `mpdtui import-spotify` could, though the Spotify step offers
    "export and import of playlists"."""
    import requests

    from mpdtui.spotify import auth

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    uris = [f"spotify:track:{n:022d}" for n in range(3)]
    fake_spotify.add_user_playlist("On the road", [
        {"uri": uri, "id": uri[-22:], "type": "track", "name": f"Song {n}",
         "duration_ms": 180_000, "artists": [{"name": "Band", "uri": "spotify:artist:1"}],
         "album": {"name": "Album", "uri": "spotify:album:1"}} for n, uri in enumerate(uris)])
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "p")
        await run_command(pilot, "import my spotify")

        def said() -> list[str]:
            return [n for n in notifications(app) if n.startswith("Imported")]

        await wait_for(pilot, said, what="the import's end")
        assert said() == ["Imported 1 playlist (3 tracks) of Spotify user fake-user: 1 new "
                          "saved playlist, 0 refreshed; skipped 0 empty, 0 not your own, 0 "
                          "exported by mpdtui."]
        assert app.services.playlists.get("On the road").uris == uris
        listed = app.screen.query_one("#saved", DataTable)
        await wait_for(pilot, lambda: any("On the road" in str(listed.get_row_at(row)[0])
                                          for row in range(listed.row_count)),
                       what="the list showing it")


async def test_the_header_names_a_job_once(trained_copy: Locations, tmp_path: Path) -> None:
    """The data job's header read "ingest: ingest 70%" (the job's name, then its stage's)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.job_event(JobRequest("data"), StageStarted("ingest"))
        app.job_event(JobRequest("data"), StageProgress("ingest", 7, 10, "slices"))
        assert app.sub_title.startswith("ingest") and "ingest: ingest" not in app.sub_title
        app.job_event(JobRequest("setup"), StageProgress("als", 4, 10, "iterations"))
        assert app.sub_title.startswith("training: ")  # a job named apart from its stages


async def test_a_renewed_login_the_job_could_not_save_is_a_warning_in_the_apps_words(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The job's notice went to a step's status line, which its outcome replaced at once (the
    saved playlists' Spotify import showed it nowhere): the login ends with the app."""
    import errno

    from mpdtui.pipeline.events import Notice
    from mpdtui.spotify.unsaved import unsaved_renewal

    token = trained_copy.spotify_token
    said = unsaved_renewal(token, PermissionError(errno.EACCES, "Permission denied"))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.job_event(JobRequest("import_spotify"), Notice("spotify", said))
        await pilot.pause()
        assert notifications(app) == [
            f"the renewed Spotify login could not be saved to {token} (Permission denied): it "
            "works until this run ends, after which Spotify takes only a new login; `chmod u+w "
            f"{trained_copy.root}` lets it be saved, then log in at the setup's Spotify step "
            "(f2)"]


async def test_a_catalog_of_no_format_is_said_not_a_crash(trained_copy: Locations,
                                                          tmp_path: Path) -> None:
    """A catalog file that records no format version (emptied; or one an ingest replacing the
    data has only just created, as the app reads it): a notification, where the app had
    crashed on the error (`attempt` took no FormatVersionError)."""
    trained_copy.catalog_db.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        trained_copy.catalog_db.with_name(trained_copy.catalog_db.name + suffix).unlink(
            missing_ok=True)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any("holds no catalog" in n for n in notifications(app)),
                       what="the catalog's problem said")
        assert app.is_running
        said = [n for n in app._notifications if "holds no catalog" in n.message]
        assert all(n.title != "Unexpected error" and not n.message.startswith(
            "FormatVersionError") for n in said), "a problem to fix, with what to do"


async def test_a_paste_that_is_not_the_redirect_keeps_the_login_waiting(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    """An empty enter ended the paste's reader (then "Checking the pasted URL…" for the 5
    minutes the login waits, the real paste unread), a stray word the login."""
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        await type_text(pilot, fake_spotify.state.client_id)
        await pilot.press("enter")
        step = app.screen
        paste = step.query_one("#redirect-url", Input)
        await wait_for(pilot, lambda: paste.has_focus, what="the paste field")
        shown = "".join(str(step.query_one("#login-url").render()).split("\n"))
        url = shown.split("(copied to the clipboard): ", 1)[1].strip()
        for slip in ("", "hello"):
            paste.value = slip
            await pilot.press("enter")
            await wait_for(pilot, lambda: label_text(pilot, "#step-status") == NOT_A_REDIRECT,
                           what="asked again")
        paste.value = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Logged in" in label_text(pilot, "#step-status"),
                       what="the login")
        assert "Fake User" in label_text(pilot, "#spotify-user")


async def export_three_tracks_to_spotify(pilot: Any, app: Any) -> None:
    """From the builder, a playlist "for spotify" of three tracks exported to Spotify (e)."""
    await builder_ready(pilot)
    await type_text(pilot, "for spotify")
    builder(app).playlist = app.services.catalog.tracks([1, 2, 3])
    await pilot.press("escape", "e", "j", "j", "j", "enter")


# the app's export to Spotify says a rate limit's wait as it starts (it showed nothing until the
# export ended: the app looked idle through waits of many seconds)
async def test_the_export_says_a_rate_limits_wait(fake_spotify: Any, trained_copy: Locations,
                                                   tmp_path: Path) -> None:
    from fake_spotify import too_many

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    fake_spotify.fail_next("playlists/*/items", too_many(1))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await export_three_tracks_to_spotify(pilot, app)
        await wait_for(pilot, lambda: "Spotify export: rate limited, retrying in 1 s"
                       in notifications(app), what="the wait said")
        await settle(pilot)
        assert any("Exported to Spotify: 3 tracks" in n for n in notifications(app))


# an export to a slow Spotify (answers that take seconds, no rate limit, no retry) showed
# nothing until it ended: the app looked idle, and `e` pressed again answered "another export
# to Spotify is running"
async def test_the_export_to_spotify_says_it_runs_and_how_far_it_got(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    import threading

    from fake_spotify import held_until

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    answer = threading.Event()
    fake_spotify.fail_next("POST playlists/*/items", held_until(answer))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await export_three_tracks_to_spotify(pilot, app)
        await wait_for(pilot, lambda: "Exporting 'for spotify' to Spotify (3 tracks)"
                       in " ".join(notifications(app)), what="the export said")
        assert app.sub_title == "Spotify export: 0 of 3 tracks added"
        answer.set()
        await wait_for(pilot, lambda: any("Exported to Spotify: 3 tracks" in n
                                          for n in notifications(app)), what="the end")
        await settle(pilot)
        assert app.sub_title == app.SUB_TITLE


# an export to Spotify waiting out a long rate limit could be stopped only by quitting the app:
# the palette had no command for it ("Stop the running job" is for jobs: ingest, training)
async def test_an_export_to_spotify_stops_from_the_palette(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    from fake_spotify import too_many

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    fake_spotify.fail_next("POST playlists/*/items", too_many(600))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await export_three_tracks_to_spotify(pilot, app)
        await wait_for(pilot, lambda: any(
            n.startswith("Spotify export: rate limited, retrying in 600 s (after ")
            for n in notifications(app)), what="the wait said")
        await run_command(pilot, "stop the export to spotify")
        await wait_for(pilot, lambda: any("stopped after 0 of 3 tracks (cancelled)" in n
                                          for n in notifications(app)), what="the stop")
        assert any("export it to Spotify again to continue into" in n
                   for n in notifications(app))
        assert app.sub_title == app.SUB_TITLE


# quitting the app while its export to Spotify waited out a rate limit left a blank terminal
# for as long as Spotify asked to wait (up to an hour), then finished the export unseen
async def test_quitting_stops_an_export_waiting_out_a_rate_limit(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from fake_spotify import too_many

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    fake_spotify.fail_next("playlists/*/items", too_many(30))
    ended = threading.Event()
    export = SpotifyService.export

    def watched(self: SpotifyService, *args: Any, **kwargs: Any) -> Any:
        try:
            return export(self, *args, **kwargs)
        finally:
            ended.set()

    monkeypatch.setattr(SpotifyService, "export", watched)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await export_three_tracks_to_spotify(pilot, app)
        await wait_for(pilot, lambda: "Spotify export: rate limited, retrying in 30 s"
                       in notifications(app), what="the wait said")
        app.exit()
    started = time.monotonic()
    assert ended.wait(10), "the export still waits, holding the closed app's process"
    assert time.monotonic() - started < 5
    sent = [r for r in fake_spotify.state.requests if r.method == "POST" and r.status == 201
            and r.endpoint.startswith("playlists/")]
    assert sent == []  # stopped, not finished unseen after the app closed
