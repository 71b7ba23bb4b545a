"""A demo city (长沙市) and a realistic day of requests replayed through the platform."""
