"""The knowledge base as stored: entries in the database, the matcher built from them, the
unanswered log."""
