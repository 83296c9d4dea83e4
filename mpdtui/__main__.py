"""`python -m mpdtui`: the `mpdtui` command."""

from mpdtui.cli import main

raise SystemExit(main())
