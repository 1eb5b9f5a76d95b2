"""The "四个一" reports: periods, one query per figure, and the Word and Excel files."""
