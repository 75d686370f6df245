"""Background work on Dramatiq, in two sides.

The enqueue side (``jobs.names``, ``jobs.broker``, ``jobs.queue``) is what services use to ask
for work by name. The worker side (``jobs.worker``: actors, middleware, loops) calls services,
and only the worker process (and tests that run a worker) imports it.
"""
