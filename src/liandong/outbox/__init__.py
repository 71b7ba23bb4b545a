"""Durable, database-backed job queue: jobs are queued in the caller's transaction and run by the worker."""
