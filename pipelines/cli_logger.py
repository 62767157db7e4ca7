"""A quiet console logger for the `akhbar` CLI: the pipeline's own progress messages, one line
each, without Dagster's event chatter or stack traces (the CLI reports failures itself)."""

import logging
import sys

from dagster import Field, logger


class _ProgressFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        step = meta.get("step_key") or meta.get("job_name") or ""
        message = meta.get("orig_message") or record.getMessage()
        return f"[{step}] {message}" if step else message


class _UserMessagesOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", {}) or {}
        return meta.get("dagster_event") is None  # context.log calls carry no framework event


@logger(
    config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
    description="Progress lines of the pipeline's own steps (used by the akhbar CLI).",
)
def akhbar_progress_logger(init_context):
    level = init_context.logger_config["log_level"]
    log = logging.Logger("akhbar", level=level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ProgressFormatter())
    handler.addFilter(_UserMessagesOnly())
    log.addHandler(handler)
    return log
