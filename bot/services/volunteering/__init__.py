"""volunteering."""
