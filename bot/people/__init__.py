"""People: roles, invites, linking limits, audience tags, how personal data is shown."""
