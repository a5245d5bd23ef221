"""The terminal: the ``coachbot`` command line and the interactive ``chat`` console."""
