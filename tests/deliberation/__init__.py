"""Tests: deliberation."""
