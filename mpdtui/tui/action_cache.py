"""The key bindings' actions parsed on the main thread before the app's threads start.

Textual parses a binding's action ("leave_field(-1)") with `ast.literal_eval` the first time
the footer or a key asks about it, then keeps it in a cache. On Python 3.11 before 3.11.8
two threads building AST objects at once can upset each other's count of their depth
(CPython gh-106905, fixed in 3.11.8): the main thread's parse then raised "SystemError: AST
constructor recursion depth mismatch", which Textual reports as "ActionError: unable to
parse '-1' in action 'leave_field(-1)'", and the app ended. The app's threads built them:
numpy read each model array's header with `ast.literal_eval` while the builder loaded its
models; `models.npy_format` reads them now, without `ast` (tests/tui/test_action_parse.py
checks that no thread of the app builds one). Parsed here first too, every binding's action
is the cache's, and a key or the footer never builds an AST on the main thread, whatever a
library in a thread may do. Not a catch: nothing is retried or hidden.
"""

from __future__ import annotations

from textual.actions import parse
from textual.dom import DOMNode


def import_screens() -> None:
    """The screens and widgets the app imports on first use (the builder brings numpy, after
    the first paint), so that their bindings are parsed too."""
    import mpdtui.tui.screens.builder
    import mpdtui.tui.screens.confirm
    import mpdtui.tui.screens.order
    import mpdtui.tui.screens.playlists
    import mpdtui.tui.screens.unsaved
    import mpdtui.tui.widgets.keyed_input
    import mpdtui.tui.widgets.track_table  # noqa: F401


def parse_binding_actions() -> int:
    """Parse the action of every binding of every app, screen and widget class imported so
    far (Textual's among them); how many actions there are."""
    actions: set[str] = set()
    classes: list[type[DOMNode]] = [DOMNode]
    while classes:
        node_class = classes.pop()
        classes.extend(node_class.__subclasses__())
        for _key, binding in node_class._merged_bindings or ():
            actions.add(binding.action)
    for action in actions:
        parse(action)
    return len(actions)
