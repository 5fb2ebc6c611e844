"""Tools for the developers: checks that run with the linters, never shipped in the app."""
