"""Organisation and base data (基础数据): jurisdiction, streets, communities, unit grids,
departments and users."""
