"""The demos: a plausible day at the five real gate pairs (``cuakhau demo``) and both sides of one pair exchanging
messages (``cuakhau exchange demo``). They drive the production use cases; nothing below the command line imports
them (import-linter contract in pyproject.toml)."""
