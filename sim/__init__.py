"""Ladera: an agent-based model of inclusive urban transport investment."""

__version__ = "0.1.0"
