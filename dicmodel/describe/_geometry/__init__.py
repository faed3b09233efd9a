"""Geometry-to-diagram engine of the structural describer (vector and raster extractors)."""
