"""Scoring: rubric coverage (embeddings), delivery metrics, transcript quality, reference grading."""
