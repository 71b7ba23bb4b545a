"""Cross-domain building blocks: errors, lifecycles, time, pagination."""
