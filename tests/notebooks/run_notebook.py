"""Executes a Jupyter notebook headlessly through a real kernel.

A small runner on jupyter_client instead of nbclient: the Deno kernel may
report a cell finished (status idle) before all of its outputs have arrived,
so after the reply this runner keeps reading iopub until it has been quiet for
a while. It also applies update_display_data by display_id and keeps
clear_output(wait=True) semantics, like the notebook frontends do.

Usage (Debian's python3, which has jupyter_client and nbformat):

    /usr/bin/python3 run_notebook.py IN.ipynb OUT.ipynb [--kernel deno]
        [--cwd DIR] [--timeout SECONDS] [--quiet SECONDS] [--trust-db FILE]

The kernel inherits this process's environment. Cells run in order; on the
first error the remaining cells are skipped. The executed notebook is written
in any case, and one JSON line is printed:
{"ok": bool, "seconds": total, "cells": [{"index", "seconds", "error", "updates"}...]}
where "updates" counts the update_display_data messages the cell sent.
Exit status 0 when every cell ran without error, 1 otherwise.
"""

import argparse
import json
import os
import queue
import sys
import time

import nbformat
from jupyter_client.manager import KernelManager


def _output_from_message(msg_type, content):
    """An nbformat output for an iopub message, or None when it is not one."""
    if msg_type == "stream":
        return nbformat.v4.new_output("stream", name=content["name"], text=content["text"])
    if msg_type in ("display_data", "update_display_data"):
        return nbformat.v4.new_output(
            "display_data", data=content.get("data", {}), metadata=content.get("metadata", {})
        )
    if msg_type == "execute_result":
        return nbformat.v4.new_output(
            "execute_result",
            data=content.get("data", {}),
            metadata=content.get("metadata", {}),
            execution_count=content.get("execution_count"),
        )
    if msg_type == "error":
        return nbformat.v4.new_output(
            "error",
            ename=content.get("ename", ""),
            evalue=content.get("evalue", ""),
            traceback=content.get("traceback", []),
        )
    return None


class CellRun:
    """Collects the outputs of one execute request."""

    def __init__(self, displays):
        self.outputs = []
        self.displays = displays  # display_id -> list of (outputs list, index)
        self.clear_pending = False
        self.error = None
        self.execution_count = None
        self.updates = 0

    def add(self, msg_type, content):
        if msg_type == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
            else:
                self.outputs.clear()
            return
        if msg_type == "execute_input":
            self.execution_count = content.get("execution_count")
            return
        output = _output_from_message(msg_type, content)
        if output is None:
            return
        display_id = content.get("transient", {}).get("display_id")
        if msg_type == "update_display_data":
            self.updates += 1
            for outputs, index in self.displays.get(display_id, []):
                if index < len(outputs):
                    outputs[index]["data"] = output["data"]
                    outputs[index]["metadata"] = output["metadata"]
            return
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        if msg_type == "error":
            self.error = f"{content.get('ename', '')}: {content.get('evalue', '')}"
        if msg_type == "execute_result":
            self.execution_count = content.get("execution_count")
        last = self.outputs[-1] if self.outputs else None
        if (
            output["output_type"] == "stream"
            and last is not None
            and last["output_type"] == "stream"
            and last["name"] == output["name"]
        ):
            last["text"] += output["text"]
            return
        self.outputs.append(output)
        if display_id:
            self.displays.setdefault(display_id, []).append(
                (self.outputs, len(self.outputs) - 1)
            )


def run_cell(client, source, displays, timeout, quiet):
    """Runs one cell; returns its CellRun."""
    run = CellRun(displays)
    msg_id = client.execute(source, store_history=True, allow_stdin=False)
    deadline = time.monotonic() + timeout
    idle = False
    replied = False
    last_output = time.monotonic()
    while True:
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"cell did not finish within {timeout} s")
        if idle and replied and now - last_output >= quiet:
            break
        if not replied:
            try:
                reply = client.get_shell_msg(timeout=0.05)
                if reply["parent_header"].get("msg_id") == msg_id:
                    replied = True
                    content = reply["content"]
                    if content.get("status") == "error" and run.error is None:
                        run.error = f"{content.get('ename', '')}: {content.get('evalue', '')}"
            except queue.Empty:
                pass
        try:
            msg = client.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        msg_type = msg["header"]["msg_type"]
        content = msg["content"]
        if msg_type == "status":
            if content.get("execution_state") == "idle":
                idle = True
            continue
        run.add(msg_type, content)
        last_output = time.monotonic()
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--kernel", default="deno")
    parser.add_argument("--cwd", default=None, help="kernel working directory (default: the notebook's)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per cell")
    parser.add_argument("--quiet", type=float, default=0.5, help="seconds of iopub silence after idle")
    parser.add_argument("--trust-db", default=None, help="sign the output into this notary db")
    args = parser.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    cwd = args.cwd or os.path.dirname(os.path.abspath(args.input))
    km = KernelManager(kernel_name=args.kernel)
    cells = []
    ok = True
    started = time.monotonic()
    km.start_kernel(cwd=cwd, env=dict(os.environ))
    try:
        client = km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=120)
            displays = {}
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                cell.outputs = []
                cell.execution_count = None
                if not ok or not cell.source.strip():
                    continue
                t0 = time.monotonic()
                try:
                    run = run_cell(client, cell.source, displays, args.timeout, args.quiet)
                except TimeoutError as e:
                    cells.append({"index": index, "seconds": time.monotonic() - t0, "error": str(e)})
                    ok = False
                    continue
                seconds = time.monotonic() - t0
                cell.outputs = run.outputs
                cell.execution_count = run.execution_count
                cells.append({
                    "index": index,
                    "seconds": round(seconds, 3),
                    "error": run.error,
                    "updates": run.updates,
                })
                if run.error is not None:
                    ok = False
        finally:
            client.stop_channels()
    finally:
        km.shutdown_kernel(now=not ok)

    if args.trust_db:
        from nbformat.sign import NotebookNotary

        NotebookNotary(
            db_file=args.trust_db, secret_file=args.trust_db + ".secret"
        ).sign(nb)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    nbformat.write(nb, args.output)
    print(json.dumps({"ok": ok, "seconds": round(time.monotonic() - started, 3), "cells": cells}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
