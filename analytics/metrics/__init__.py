"""Typed metric functions over the named SQL files; used by the CLI, the pages and the tests."""
