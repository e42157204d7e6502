"""Tests: volunteering."""
