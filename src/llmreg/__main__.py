"""``python -m llmreg``: the same command line as the ``llmreg`` script."""

from llmreg.cli import entry_point

if __name__ == "__main__":
    entry_point()
