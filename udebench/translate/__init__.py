"""Translators turn a split into new conditions: protocol, name parsing, translated splits."""
