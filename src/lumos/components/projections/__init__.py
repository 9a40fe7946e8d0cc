"""components/projections."""
