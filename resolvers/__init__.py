"""Thin resolvers: arguments -> one service call -> schema types."""
