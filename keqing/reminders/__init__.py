"""Follow-up reminders: Chinese dates, storage with exactly-once delivery, and what is due."""
