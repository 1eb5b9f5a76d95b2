"""Channel adapters: the only code that knows a platform (console, WeChat, Telegram)."""
