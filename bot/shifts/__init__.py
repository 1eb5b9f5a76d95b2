"""Volunteer shifts: posts, templates, assignments, hours, what volunteers are told,
spreadsheets."""
