"""Linkage workflows between 12345 and 110 (policy 二(二)): transfer, negotiation, daily and emergency linkage."""
