"""The command line: ``agentlab run``, ``sweep``, ``serve``, ``notebooks``, ``lab`` and their
shared argument checks.
"""
