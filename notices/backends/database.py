"""The quick-start backend: nothing leaves the machine. The message row is the record of what would have
been sent; the development outbox page shows it, and the log prints it."""

import logging

from notices.backends import Backend

logger = logging.getLogger("notices.sms")


class DatabaseBackend(Backend):
    name = "database"

    def send(self, message) -> str:
        logger.info("SMS (database backend, not sent) to %s: %s", message.phone_masked, message.text)
        return f"db-{message.pk}"

    def find_sent(self, message) -> str | None:
        # Nothing left the machine: sending again is the first and only sending.
        return None
