"""HTTP surfaces: health, readiness, metrics and the ops API."""
