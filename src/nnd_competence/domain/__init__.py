"""The competence process as pure domain code: aggregates, events and rules.

Nothing here does I/O, reads a clock or imports the application or adapter layers.
"""
