"""Why an uploaded image or video can never become READY, as codes the API layer can report."""

from __future__ import annotations

import enum


class MediaCode(enum.StrEnum):
    """Reasons to reject an upload for good; each value equals the `services.errors.ErrorCode` of the same name."""

    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    TOO_LARGE = "TOO_LARGE"
    CORRUPT = "CORRUPT"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    # Raised only when the caller passes probe_video a duration limit; no setting holds one yet.
    TOO_LONG = "TOO_LONG"


class MediaRejected(Exception):
    """An upload that can never become READY: retrying the job would fail the same way."""

    def __init__(self, code: MediaCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"MediaRejected({self.code.value}, {self.message!r})"
