"""The analysis library: district config, the incident store and its readers, selections and the analyses.

Functions over (Geo)DataFrames in British National Grid metres and Europe/London time, with the accounts
and audit tables kept beside the incidents; nothing here imports Dash.
"""
