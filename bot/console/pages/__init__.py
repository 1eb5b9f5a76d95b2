"""The console's pages, one module per page group; each lists its routes in `ROUTES`
(bot/console/web.py gathers them in one table)."""
