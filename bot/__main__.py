"""`python -m bot` runs the Linli command line."""

from bot.cli.main import main

raise SystemExit(main())
