"""deliberation."""
