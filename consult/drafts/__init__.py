"""Consultations, versions of the draft, paragraphs and their stable keys."""
