"""`python -m liandong` runs the command line."""

from liandong.cli import app

app(prog_name="liandong")
