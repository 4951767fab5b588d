import sys

from benchmarks import campaign

BENCHMARKS = {"campaign": campaign.main}

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        BENCHMARKS[name]()
