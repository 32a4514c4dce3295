"""Deployment helpers: two nodes on one machine (two_nodes.py) and example configuration."""
