"""`python -m bot` runs the Linli command line."""

from bot.cli import main

raise SystemExit(main())
