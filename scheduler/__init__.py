"""Scheduled work (reminders, pushes, outbox delivery): arrives with the activities issue."""
