"""Geography: coordinate systems, unit grids (万米单元网格), point → grid, addresses and
components (部件). Pure modules: ``crs``, ``projection``, ``codes``, ``gridgen``,
``pointindex``, ``demo_area``."""
