"""Allow ``python -m pipeline``."""

from pipeline.cli import console

if __name__ == "__main__":
    console()
