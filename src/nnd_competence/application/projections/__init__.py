"""Materialised views built from the event log, and the reports read from them."""
