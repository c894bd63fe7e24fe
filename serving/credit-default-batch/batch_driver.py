"""Batch scoring script of the credit-default model: Azure ML calls init() once per worker and
run() once per mini-batch (a list of CSV file paths), appending what run() returns to the output.

Azure ML mounts the deployment's model under AZUREML_MODEL_DIR; the model is a scikit-learn
pipeline saved with joblib as model.pkl (how `amlstack model register` stores it).
"""

import os
from pathlib import Path

import joblib
import pandas as pd

model = None


def init() -> None:
    global model  # noqa: PLW0603 (the batch runtime's contract: init() sets the model)
    folder = Path(os.environ["AZUREML_MODEL_DIR"])
    model = joblib.load(next(folder.rglob("model.pkl")))


def run(mini_batch: list[str]) -> pd.DataFrame:
    frames = []
    for path in mini_batch:
        rows = pd.read_csv(path)
        frames.append(
            pd.DataFrame({"file": Path(path).name, "prediction": model.predict(rows).tolist()})
        )
    return pd.concat(frames, ignore_index=True)
