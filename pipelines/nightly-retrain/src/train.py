"""Train the credit-default classifier on the CSV files of a folder and save it with MLflow.

The nightly pipeline (../pipeline.yml) runs this on the stack's CPU cluster; the last column of
every file is the label (1: default).
"""

import argparse
from pathlib import Path

import mlflow
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    frame = pd.concat(pd.read_csv(path) for path in sorted(args.data.glob("*.csv")))
    features, label = frame.iloc[:, :-1], frame.iloc[:, -1]
    model = make_pipeline(StandardScaler(), GradientBoostingClassifier()).fit(features, label)
    mlflow.log_metric("train_accuracy", model.score(features, label))
    mlflow.sklearn.save_model(model, args.model)


if __name__ == "__main__":
    main()
