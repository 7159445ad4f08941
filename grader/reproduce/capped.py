"""The output limit of a re-execution: nbclient's client keeping a bounded amount of output.

nbclient appends every output message to the notebook in the grader's process, so a notebook
printing in a loop fills the grader's memory (the kernel's own memory limit does not count it).
`capped_client(NotebookClient)` is the client the driver (grader.reproduce.execute) uses.
"""

from __future__ import annotations

import functools


def _size(content: dict) -> int:
    """The characters an output message would keep: its text, data, metadata and error fields."""
    parts = (content.get("text"), content.get("data"), content.get("metadata"), content.get("traceback"),
             content.get("ename"), content.get("evalue"))
    return sum(len(str(p)) for p in parts if p)


@functools.cache
def capped_client(base: type) -> type:
    """nbclient's NotebookClient receiving at most `output_left` characters of outputs (a
    notebook printing gigabytes in a loop would otherwise fill the grader's memory, not the
    kernel's). Counted as received, display updates once per output they rewrite; what a later
    `clear_output` drops still counts. Past it, outputs are dropped and `output_left` goes
    negative: the driver then stops the run (`output-limit`)."""

    class CappedClient(base):  # type: ignore[misc, valid-type]
        output_left = 0

        def output(self, outs, msg, display_id, cell_index):
            if self.output_left < 0:
                return None
            content = msg.get("content") or {}
            size = _size(content)
            if size <= self.output_left:
                self.output_left -= size
                return super().output(outs, msg, display_id, cell_index)
            kept = None
            if msg.get("msg_type") == "stream" and self.output_left > 0:  # the start of the text that overflows
                cut = {**msg, "content": {**content, "text": str(content.get("text", ""))[:self.output_left]}}
                kept = super().output(outs, cut, display_id, cell_index)
            self.output_left = -1
            return kept

        def _update_display_id(self, display_id, msg):
            rewritten = sum(len(v) for v in self._display_id_map.get(display_id, {}).values())
            size = _size(msg.get("content") or {}) * max(1, rewritten)
            if self.output_left < 0 or size > self.output_left:
                self.output_left = -1
                return None
            self.output_left -= size
            return super()._update_display_id(display_id, msg)

    return CappedClient
