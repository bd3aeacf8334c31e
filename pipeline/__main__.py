"""The ``tei-pipeline`` command, and ``python -m pipeline``.

Kept apart from the command line's module (`pipeline.cli`) so that loading it, and all it
loads, is already inside the command: Ctrl-C then is an interruption (exit 130, one line),
not Python's traceback. Only Python's own start (some 20 ms) comes before.
"""

from __future__ import annotations

import os
import sys

from pipeline.exceptions import ExitCode


def console() -> None:
    """The ``tei-pipeline`` command: main, then the process ends at once.

    Everything is written, closed and flushed when main returns; Python's own teardown would
    then free every object one at a time (the word list, the gazetteer's index, the IIIF
    models): 0.1 to 0.3 s after the work is done, 5% of a one-page batch.
    """
    try:
        from pipeline.cli import main

        code = main()
    except KeyboardInterrupt:  # while Python loads the program, before main's own handling
        print("tei-pipeline: interrupted; rerun the same command to finish the batch",
              file=sys.stderr)
        code = int(ExitCode.interrupted)
    import logging

    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: nothing more can be said
        pass
    os._exit(code)


if __name__ == "__main__":
    console()
