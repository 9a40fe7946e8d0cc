"""components/metrics."""
