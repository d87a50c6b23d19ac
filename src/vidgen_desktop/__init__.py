"""Vidgen Desktop: compose short videos visually and render them with FFmpeg."""

__version__ = "0.1.0"
