import argparse

parser = argparse.ArgumentParser()
for name in ("--rows", "--table", "--one", "--model"):
    parser.add_argument(name)
parser.add_argument("--learning-rate", type=float, default=0.1)
print(parser.parse_args())
