"""Domain logic. Nothing here knows GraphQL exists."""
