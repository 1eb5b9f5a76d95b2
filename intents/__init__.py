"""Linli's capabilities, one module each; bot/app.py lists them in the order they are tried."""
