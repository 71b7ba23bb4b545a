"""The event log: every change to a record, written in the same transaction as the change."""
