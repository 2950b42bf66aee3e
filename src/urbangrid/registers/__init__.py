"""Registers (台账) of the domain programmes: typed records with a geometry, located in grids,
imported and exported as CSV or GeoJSON, listed and edited the same way for every register."""
