"""City simulator: a realistic stream of cases for demos, tests and benchmarks."""
