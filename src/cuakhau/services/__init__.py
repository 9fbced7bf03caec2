"""Use cases. Each takes a unit of work and commits it once; nothing else commits."""
