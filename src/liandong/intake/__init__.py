"""Intake of requests (诉求) from every channel."""
