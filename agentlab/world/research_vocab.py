"""What a model may know about the research world: its tools' names, its instructions, and
the words its questions and documents use for each attribute.

Nothing here holds an answer (no fact, document or question): the simulated model
(``agentlab.sim``) imports only this module of the research world, and an import-linter
contract (pyproject.toml) keeps it from importing the modules that do
(``agentlab.world.research_truth`` and the tools in ``agentlab.world.research``).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

INSTRUCTIONS = (
    "You are a research assistant answering questions about the Meridian Isles from a "
    "document corpus."
)
# what the aggregator of a split question is told, by how it combines the parts' answers
COMBINE_BY = {
    "vote": "Combine them.",
    # synthesis-only (Kim et al.'s independent topology): merged, nothing compared or dropped
    "synthesis": "Merge them into the answer, keeping every member's finding.",
}
TOOL_NAMES = ("search_corpus", "filter_documents", "cross_check", "submit_answer")
# how a question names each attribute -> the attribute (facts.csv's column)
ATTRIBUTES = {
    "population": "population",
    "area in square kilometres": "area_km2",
    "founding year": "founded",
    "capital": "capital",
    "main export": "main_export",
    "highest peak in metres": "highest_peak_m",
    "ferry hub": "ferry_hub",
}
# the words the corpus states each attribute in (every claim sentence uses them): what a
# search query needs to find the claim
CORPUS_WORDS = {
    "population": "population",
    "area_km2": "area",
    "founded": "founded",
    "capital": "capital",
    "main_export": "main export",
    "highest_peak_m": "highest peak",
    "ferry_hub": "ferry hub",
}
