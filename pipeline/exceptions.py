"""Exit codes and the errors that carry them, each with a message that says what to do."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; stable, documented in the README."""

    ok = 0
    documents_failed = 1
    usage_error = 2
    missing_dependency = 3
    output_not_writable = 4
    internal_error = 5
    interrupted = 130


class PipelineError(Exception):
    """Base of the project's errors: a one-line message and the exit code it implies."""

    exit_code = ExitCode.documents_failed

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(PipelineError, ValueError):
    """The command line or options do not make sense."""

    exit_code = ExitCode.usage_error


class BadGazetteer(UsageError):
    """A gazetteer file cannot be used; the message names file, line and problem."""


class MissingDependency(PipelineError):
    """A required program (Tesseract) or optional package is not installed."""

    exit_code = ExitCode.missing_dependency


class TesseractNotFound(MissingDependency):
    """Tesseract is not installed or not on PATH."""

    def __init__(self, detail: str = "") -> None:
        msg = (
            "tesseract was not found: install it with "
            "'sudo apt-get install -y tesseract-ocr tesseract-ocr-eng' "
            "(or set TESSERACT_CMD to its path)"
        )
        super().__init__(f"{msg} ({detail})" if detail else msg)


class OutputNotWritable(PipelineError, OSError):
    """The output folder cannot be created or written."""

    exit_code = ExitCode.output_not_writable


class OutputPathBlocked(PipelineError):
    """A document's place in the output folder is taken; that document fails, the rest go on."""


class InputError(PipelineError):
    """One input document or page cannot be read; reported, and the batch goes on."""


class OcrFailed(PipelineError):
    """Tesseract failed or timed out on one page; the page becomes a gap."""


class InvalidOutput(PipelineError):
    """A document built by the pipeline did not validate: a bug, reported as a failure."""


class Interrupted(KeyboardInterrupt):
    """The batch was told to stop by a signal (SIGINT, SIGTERM, SIGHUP): exit 130."""

    def __init__(self, signal_name: str = "SIGINT") -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
