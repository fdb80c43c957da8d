"""The Textual app (`viva` with no arguments). The only package that imports Textual."""
