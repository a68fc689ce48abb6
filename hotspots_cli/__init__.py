"""The ``hotspots`` command line: one ``cmd_*.py`` module per group of verbs."""
