"""liandong: 12345 hotline and 110 police desk linkage platform (国办发〔2022〕12号)."""

__version__ = "0.1.0"
