"""In-memory stand-ins for the dashboard's data access, with the same interface."""
