"""Activities: create, sign up, waitlist, check in, rate; their reminders' texts; spreadsheets."""
