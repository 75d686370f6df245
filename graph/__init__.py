"""The social graph over Bolt: driver lifecycle, constraints and every Cypher query."""

from graph.driver import Graph, GraphUnavailable, create_graph

__all__ = ["Graph", "GraphUnavailable", "create_graph"]
