"""The LangGraph graphs: one agent (plan -> act -> tools -> remember -> reflect), its
checkpoints, structured output, and teams of agents in every architecture, each member a
subgraph.
"""
