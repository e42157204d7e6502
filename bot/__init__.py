"""Linli's platform-neutral kernel."""
