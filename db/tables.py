"""The whole schema: importing this puts every table on ``Base.metadata``."""

from __future__ import annotations

from db import content, moderation, notifications, outbox, saves, views
from db.models import Base

metadata = Base.metadata
MODULES = (content, moderation, notifications, outbox, saves, views)
