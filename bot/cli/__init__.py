"""The `linli` command line: one module per command group, shared helpers in `desk`."""
