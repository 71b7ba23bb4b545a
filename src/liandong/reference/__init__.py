"""Reference data: administrative divisions (GB/T 2260), organisations and the responsibility list."""
