"""Structured-field extraction: structure (title, lead, paragraphs, captions, tags) first."""
