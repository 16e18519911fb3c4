"""The ``nnd-competence`` command line: HR, managers and the Academy's way in."""
