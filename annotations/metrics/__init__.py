"""Figures computed from rows the selectors read: pure functions, no database."""
