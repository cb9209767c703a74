"""Prints azure-ai-ml's own REST conversion of a job YAML (what `az ml job create -f` sends, before it uploads code
and registers the anonymous components) as JSON."""
import json
import logging
import sys
import warnings

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")
from azure.ai.ml import load_job  # noqa: E402

rest = load_job(sys.argv[1])._to_rest_object()
print(json.dumps(rest.serialize() if hasattr(rest, "serialize") else rest.as_dict(), default=str))
