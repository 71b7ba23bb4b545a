"""The web console: seat workstation, unit workspace, supervisor view and the public results page."""
