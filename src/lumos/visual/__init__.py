"""visual."""
