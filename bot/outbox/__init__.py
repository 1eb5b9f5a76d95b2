"""The outbox: queued messages, the notifier that queues them, unread notices."""
