"""Reference data the platform ships: the real Vietnam–China road gate pairs."""
