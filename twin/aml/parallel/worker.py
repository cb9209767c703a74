"""One process of a simulated parallel-job node: loads the entry script, calls init() once, then run(mini_batch) for
each mini-batch the runner sends (a JSON list of file paths on stdin), and answers on its stdout, which it keeps to
itself: the entry script's own output (and that of the processes it starts) goes to stderr, the process log, so it
cannot be mistaken for an answer. (A pipe on stdout works on a host node and through `buildah run` on an image node
alike; a further inherited descriptor would not cross the container boundary.) On stdin's end it calls shutdown()
if the script has one.
Imitates the contract in https://learn.microsoft.com/azure/machine-learning/how-to-use-parallel-job-in-pipeline
("Call the entry script": init(), run(mini_batch) with a file path list for a folder input, optional shutdown())."""

import importlib.util
import json
import os
import sys
import traceback

code, entry, args = sys.argv[1], sys.argv[2], sys.argv[3:]
# os.dup gives a non-inheritable descriptor: the engine host the entry script starts never holds the answer pipe, so
# it closes when this process ends.
answers = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.path.insert(0, code)
sys.argv = [entry] + args
spec = importlib.util.spec_from_file_location("entry_script", os.path.join(code, entry))
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)
script.init()
answers.write(json.dumps({"ready": True}) + "\n")

for line in sys.stdin:
    files = json.loads(line)
    try:
        result = script.run(files)
        if hasattr(result, "to_dict"):  # a pandas DataFrame: one element per row
            result = [json.dumps(r) for r in result.to_dict("records")]
        rows = [r if isinstance(r, str) else json.dumps(r) for r in result]
        answers.write(json.dumps({"ok": True, "rows": rows}) + "\n")
    except Exception as error:  # the job counts it as a failed mini-batch and retries it
        answers.write(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}) + "\n")

if hasattr(script, "shutdown"):
    script.shutdown()
