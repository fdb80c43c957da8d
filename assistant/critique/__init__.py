"""Grounded coaching from a local LLM, checked against the rubric result before it is shown."""
