"""Screens: the main screen (panes and workers), compare, help."""
