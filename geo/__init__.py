"""Crime and anti-social-behaviour hotspot analysis: pure functions over (Geo)DataFrames, in BNG metres."""
