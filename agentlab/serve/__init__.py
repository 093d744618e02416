"""Models behind an endpoint: making a model from one string, ChatOpenAI as the lab uses it,
the wire format, the local OpenAI-compatible server and its faults, deadlines and tracing.
"""
