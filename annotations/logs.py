"""Log records as JSON lines (imported by the logging set-up, before Django's apps: no models
here)."""

import json
import logging


class JsonLogFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the record's
    ``fields`` (the request log's)."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
