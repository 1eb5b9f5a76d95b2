"""The staff web console, served at /admin by `linli serve`: server-rendered pages in
Chinese, readable on a phone, no script or asset from elsewhere."""
