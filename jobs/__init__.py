"""Background work on Dramatiq: the broker, and actors that call services.

Importing ``jobs.actors`` declares the actors on the broker that ``jobs.broker`` set up.
"""
