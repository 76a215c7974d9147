"""Domain errors that every app's services raise and every app's views and API answer alike."""


class Conflict(Exception):
    """The request does not fit the record as it is now: a stale version, or a move its state does
    not allow. Views show the message; the API answers 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
