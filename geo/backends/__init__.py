"""Pieces shared by the store backends (embedded DuckDB file, PostgreSQL + PostGIS)."""
