"""UrbanGrid: digital urban management platform."""

__version__ = "0.1.0"
