"""Linli's test suite."""
