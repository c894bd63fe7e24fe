"""Scoring script of the credit-default model: Azure ML calls init() once, run() per request.

Azure ML mounts the deployment's model under AZUREML_MODEL_DIR; the model is a scikit-learn
pipeline saved with joblib as model.pkl (how `amlstack model register` stores it).
"""

import json
import os
from pathlib import Path

import joblib

model = None


def init() -> None:
    global model  # noqa: PLW0603 (the inference server's contract: init() sets the model)
    folder = Path(os.environ["AZUREML_MODEL_DIR"])
    model = joblib.load(next(folder.rglob("model.pkl")))


def run(raw_data: str) -> list[object]:
    rows = json.loads(raw_data)["data"]
    return model.predict(rows).tolist()
