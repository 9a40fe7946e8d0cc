"""components/generators."""
