# vmmbench's stdout callback for the playbooks it generates (data-loaders/fleet/ansible/): one JSON
# line per task result, written as each arrives to the file descriptor named by VMMBENCH_EVENTS_FD,
# so that a step's output is stored while the other hosts go on. Loop items are reported one by one
# (v2_runner_item_on_*), which is how a campaign step streams back from a host.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: vmmbench_events
    type: stdout
    short_description: JSON lines of task results for vmmbench
    description:
      - One JSON object per task or loop-item result, on the descriptor VMMBENCH_EVENTS_FD.
"""

KEPT = ("rc", "stdout", "stderr", "msg", "changed")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "vmmbench_events"

    def __init__(self):
        super().__init__()
        self._out = os.fdopen(int(os.environ.get("VMMBENCH_EVENTS_FD", "1")), "w", buffering=1, encoding="utf-8", errors="surrogateescape")

    def _emit(self, event, result):
        data = result._result
        item = data.get("item")
        line = {
            "event": event,
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "at": time.time(),
            "item": item.get("id") if isinstance(item, dict) else None,
        }
        for key in KEPT:
            if key in data:
                line[key] = data[key]
        if "results" in data:
            # A loop's closing result: its items were reported already.
            line["loop"] = True
            line.pop("stdout", None)
            line.pop("stderr", None)
        self._out.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._emit("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._emit("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._emit("unreachable", result)

    def v2_runner_on_skipped(self, result):
        pass

    def v2_runner_item_on_ok(self, result):
        self._emit("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._emit("item_failed", result)

    def v2_runner_item_on_skipped(self, result):
        pass
