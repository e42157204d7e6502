"""Tests: community."""
