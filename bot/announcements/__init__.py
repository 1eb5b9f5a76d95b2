"""Announcements: compose, target, schedule and deliver what staff push."""
