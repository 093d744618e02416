"""The LangGraph graphs: one agent (plan -> act -> tools -> remember -> reflect), its
checkpoints, structured output, and teams of agents in every architecture (a member with a
node of its own is a subgraph of the team).
"""
