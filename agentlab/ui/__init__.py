"""What a learner sees: plotly plots, ipywidgets, the placement explorer, graph drawings, and
the LangGraph Studio entry points.
"""
