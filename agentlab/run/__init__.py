"""Running episodes: the scenario registry and each scenario's runner, the episode and its
tables, sweeps, the store, backends (processes, Ray), durable checkpoints, runs against an
endpoint and their recordings.
"""
