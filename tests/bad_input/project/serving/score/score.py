"""A scoring script for the bad-input corpus: it only has to exist."""
