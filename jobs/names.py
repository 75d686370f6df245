"""Queue and actor names, shared by the actors and the services that ask for them."""

MAINTENANCE = "maintenance"
MEDIA = "media"

PRUNE_REFRESH_TOKENS = "prune_refresh_tokens"
PROCESS_MEDIA = "process_media"
PURGE_DELETED_POST = "purge_deleted_post"
