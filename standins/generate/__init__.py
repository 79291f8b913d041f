"""Synthetic source data: `python -m standins.generate` fills the three source tables.

rows.py makes the rows (pure, deterministic), schema.py holds the DDL and inserts, load.py
writes batches to the database, and __main__.py is the command line.
"""
