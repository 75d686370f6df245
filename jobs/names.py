"""Queue and actor names, shared by the actors and the services that ask for them."""

MAINTENANCE = "maintenance"
MEDIA = "media"
FEED = "feed"

PRUNE_REFRESH_TOKENS = "prune_refresh_tokens"
PROCESS_MEDIA = "process_media"
PURGE_DELETED_POST = "purge_deleted_post"
FAN_OUT_POST = "fan_out_post"
RETRACT_POST = "retract_post"
BACKFILL_FOLLOW = "backfill_follow"
PRUNE_UNFOLLOW = "prune_unfollow"
PRUNE_BLOCK = "prune_block"
