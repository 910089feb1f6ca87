"""Configuration: one `Settings` object, built once at the edge and passed down."""

from config.settings import Settings

__all__ = ["Settings"]
