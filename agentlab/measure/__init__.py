"""Measuring what a run did: the metrics callback and its step records, prices and costs,
provenance (what each artifact came from, what it tainted), reply failures, reliability
statistics and the published reference figures.
"""
