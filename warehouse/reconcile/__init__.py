"""Reconciliation: how many records of each source table every stage of the pipeline holds,
and whether any stage lost records it should have carried."""
