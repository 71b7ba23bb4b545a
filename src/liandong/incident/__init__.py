"""Police incidents (警单) of the 110 platform."""
