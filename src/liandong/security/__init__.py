"""Security and data protection: personal-data encryption and masking."""
