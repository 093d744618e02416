"""Draw graphs offline: LangGraph's Mermaid text, rendered natively by JupyterLab 4 Markdown.

(``draw_mermaid_png()`` calls a web service; the lab never does.)

Introduced in notebook 01 (`01_agent_loop.ipynb`).
"""

from __future__ import annotations

from typing import Any


def mermaid(graph: Any) -> str:
    """The Mermaid text of a compiled LangGraph graph (``graph.get_graph().draw_mermaid()``)."""
    return str(graph.get_graph().draw_mermaid())


def show_graph(graph: Any) -> Any:
    """Display a compiled graph in a notebook as a Mermaid diagram, drawn offline.

    Args:
        graph: A compiled LangGraph graph.

    Returns:
        An ``IPython.display.Markdown`` object (JupyterLab renders its Mermaid block).

    Example:
        >>> import agentlab as al
        >>> tools = al.world.travel.travel_tools()
        >>> g = al.build_agent(model=al.make_model(), tools=tools, instructions="")
        >>> "```mermaid" in al.show_graph(g).data
        True
    """
    from IPython.display import Markdown

    return Markdown(f"```mermaid\n{mermaid(graph)}\n```")
