"""The compilation text of a version: every proposal on every paragraph, with its
disposition, as pages, a printable whole, a Word document and JSON."""
