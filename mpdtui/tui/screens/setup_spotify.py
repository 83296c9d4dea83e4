"""Setup 3 (optional): Spotify client id and PKCE login, for audio features and export."""

from __future__ import annotations

import queue
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from mpdtui.browser import can_open_a_browser
from mpdtui.errors import UserError, user_line
from mpdtui.spotify.errors import LoginFailed
from mpdtui.spotify.settings import login_trouble, not_a_client_id, state_problem
from mpdtui.tui.messages import LoginUrl
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.text import data_text, in_app
from mpdtui.tui.widgets.in_order_input import InOrderInput

if TYPE_CHECKING:
    from mpdtui.spotify.session import LoginStatus

REGISTRATION = """Spotify is optional: export and import of playlists, and audio features for \
apps created before 2024-11-27. To use it, register a (free) app once:
  1. open https://developer.spotify.com/dashboard and log in
  2. "Create app": any name and description; tick "Web API"
  3. add the redirect URI  http://127.0.0.1:8765/callback  (exactly this)
  4. paste the app's Client ID below and press enter (or ctrl+r)
The login opens your browser. Over SSH, open the URL shown below (also copied to the \
clipboard) on any machine, then paste the address the browser is sent to (it starts with \
http://127.0.0.1:8765/callback?code=)."""

NOT_LOGGED_IN = ("Not logged in to Spotify yet: enter the Client ID and press ctrl+r. Or skip it "
                 "(ctrl+n): all but exporting to and importing from Spotify works without it, "
                 "and the palette's \"Setup: Spotify login\" (ctrl+p) brings this step back.")
"""Beside the field, in view at 80x24 (the explanation above it, saying Spotify is optional,
scrolls out of view as the field takes the cursor)."""

NOT_A_REDIRECT = ("That is not the address the browser landed on (it has code= in it): paste "
                  "it whole here, or escape to cancel the login.")

URL_INTO_VIEW_S = 1.0
"""How long layout changes after the login URL shows scroll it into view."""


class SpotifyStep(SetupStep):
    STEP = 2
    RUN_LABEL = "Log in"

    def __init__(self) -> None:
        super().__init__()
        self.pasted: queue.Queue[str] = queue.Queue()
        self.login_state = ""  # the `state` the waiting login's redirect carries
        self.bring_url_into_view_until = 0.0

    def body(self) -> ComposeResult:
        yield Static(REGISTRATION, classes="explain")
        yield Label("", id="spotify-user")
        yield InOrderInput(placeholder="Client ID of your Spotify app", id="client-id")
        yield Static("", id="login-url", classes="hint")
        redirect = InOrderInput(id="redirect-url")
        redirect.fit_placeholder("redirected URL (only when the browser cannot reach this "
                                 "machine)", "redirected URL (when the browser cannot reach here)",
                                 "redirected URL")
        yield redirect

    def on_mount(self) -> None:
        self.query_one("#redirect-url").display = False
        self.watch(self.query_one("#step"), "virtual_size", self._url_into_view_after_layout,
                   init=False)
        self.show_user()
        client_id = self.app.attempt(self.services.spotify.client_id)
        if client_id:
            self.query_one("#client-id", Input).value = client_id
        self.query_one("#client-id", Input).focus()

    def show_user(self) -> bool:
        """The stored login, shown above; True when it is one that works."""
        status = self.app.attempt(self.services.spotify.status)
        if status is None:
            text = "Login state unknown."
        elif not status.logged_in:
            text = NOT_LOGGED_IN
        else:  # "then log in again here" rather than the CLI command
            text = in_app(status.describe(), self.here)
        self.query_one("#spotify-user", Label).update(data_text(text))
        return status is not None and status.usable

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "redirect-url":
            pasted = event.value.strip()
            if "code=" not in pasted and "error=" not in pasted:  # a slip: the login waits on
                self.status(NOT_A_REDIRECT)  # (the login reads one paste: this would end it)
                return
            if "code=" in pasted and (problem := state_problem(pasted, self.login_state)):
                self.status(f"That is not it: {problem}: paste the whole address, or escape to "
                            "cancel the login.")  # a slip again: the login waits on
                return
            self.pasted.put(pasted)
            self.status("Checking the pasted URL…")
        else:
            self.action_run()

    def run(self) -> Worker[Any] | None:
        client_id = self.query_one("#client-id", Input).value.strip()
        if not client_id:
            self.status("Enter the Client ID first, or press ctrl+n to skip Spotify.")
            return None
        if problem := not_a_client_id(client_id):
            self.status(f"{problem[:1].upper()}{problem[1:]}.")
            return None
        self.status(self._waiting())
        return self._login(client_id)

    def _waiting(self) -> str:
        if self.app.options.open_browser and can_open_a_browser():
            # whether the browser came up is not known here: its opener (xdg-open, gio)
            # reports success as it starts, and fails after
            return ("Waiting for the login in the browser (escape cancels)… No browser came "
                    "up? Open the login page shown here in a browser yourself.")
        return ("No browser can open here (no desktop: an ssh login?): open the login page "
                "shown here in a browser on any machine, then paste here the address it lands on "
                "(escape cancels)…")

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup", description="login")
    def _login(self, client_id: str) -> LoginStatus | None:
        """The login; None when escape cancelled it (said in the status line: no failure)."""
        open_browser = self.app.options.open_browser

        def on_url(url: str) -> None:
            self.post_message(LoginUrl(url))

        try:
            return self.services.spotify.login(
                client_id, on_url=on_url,
                paste=self.pasted.get, open_browser=open_browser, cancel=self.cancel)
        except LoginFailed:
            if self.cancel.is_set():
                return None
            raise

    def on_login_url(self, message: LoginUrl) -> None:
        # to the clipboard as well: the URL wraps over several lines, and a selection of
        # them copies the line breaks into it
        self.app.copy_to_clipboard(message.url)
        self.login_state = parse_qs(urlparse(message.url).query).get("state", [""])[0]
        self.status(f"{self._waiting()} {login_trouble(message.url)}")
        shown = self.query_one("#login-url", Static)
        shown.update(Content(f"Login page (copied to the clipboard): {message.url}"))
        paste = self.query_one("#redirect-url", Input)
        paste.display = True
        paste.focus(scroll_visible=False)
        self.bring_url_into_view_until = time.monotonic() + URL_INTO_VIEW_S
        self.call_after_refresh(self._bring_url_into_view)

    def _url_into_view_after_layout(self) -> None:
        """Once the body knows its new height too (it is still the old one while its content
        grows), so that the scroll can go as far as the URL needs."""
        self.call_after_refresh(self._bring_url_into_view)

    def _bring_url_into_view(self) -> None:
        """The URL and the paste field below it, once they take their room (below the fold
        at 24 rows otherwise)."""
        if self.is_attached and time.monotonic() < self.bring_url_into_view_until:
            # (after that the scrolling is the user's; the step may be left meanwhile)
            self.query_one("#login-url").scroll_visible(top=True, animate=False)

    def job_done(self, worker: Worker[Any]) -> None:
        # the ended login's paste reader still waits: an empty paste ends it, and the next
        # login reads a queue of its own (else that reader takes the next login's paste)
        self.pasted.put("")
        self.pasted = queue.Queue()
        self.query_one("#redirect-url").display = False
        still = self.show_user()  # a login failed over one that works: that one holds
        ended = self.cancel.is_set() or worker.state == WorkerState.SUCCESS
        if ended:  # its login page is of no use now (a refusal's reason reads beside it)
            self.query_one("#login-url", Static).update("")
        if worker.state == WorkerState.SUCCESS and worker.result is not None:
            self.status("Logged in. Press ctrl+n for the next step.")
        elif self.cancel.is_set():
            self.status("Login cancelled. Try again (ctrl+r) or skip (ctrl+n).")
        elif isinstance(worker.error, UserError):  # the reason stays, beside the URL
            failed = "This login failed (the earlier one above still holds)" if still else (
                "Not logged in")
            self.status(f"{failed}: {user_line(worker.error)}. Try again (ctrl+r) or "
                        "skip (ctrl+n).")
        else:
            self.status("Not logged in. Try again (ctrl+r) or skip (ctrl+n).")
