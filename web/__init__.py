"""HTTP and WebSocket edges of the API: transports, health, middleware."""
