import sys

print("wrangling", sys.argv[1:])
