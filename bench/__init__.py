"""The benchmark behind `make bench` (docs/benchmarks.md). Nothing here is imported by the app."""
