"""components/salience."""
