"""Table-level stages: each takes the previous stage's Arrow table and returns the next."""
