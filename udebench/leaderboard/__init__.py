"""Leaderboards: tables built only from the results store (pandas + tabulate), with ↑/↓ per metric."""
