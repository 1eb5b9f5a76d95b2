"""Linli's knowledge base: entries, loaders, Chinese normalisation and the matcher."""
