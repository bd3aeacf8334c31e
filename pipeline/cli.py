"""Command line: parse arguments, call the command's one function, turn errors into exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__
from pipeline.exceptions import ExitCode, Interrupted, PipelineError, UsageError
from pipeline.options import MAX_JOBS, check_jobs, check_page_timeout
from pipeline.terminal import PrintableFormatter, printable

PACKAGED = object()  # --tei-all without a path: the schema that ships with the package

log = logging.getLogger("pipeline")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tei-pipeline",
        description="Turn scanned declassified documents (or their OCR text) into TEI P5 XML.",
    )
    parser.add_argument("--version", action="version", version=f"tei-pipeline {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="OCR, correct and encode documents")
    run.add_argument(
        "inputs", nargs="+", type=Path, help="page-image folders, images, PDFs, TIFFs, .txt files"
    )
    run.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output)"
    )
    run.add_argument(
        "-j", "--jobs", type=_jobs, default=None,
        help=f"worker processes, 1 to {MAX_JOBS} (default: all cores)",
    )
    run.add_argument(
        "--lang", default="eng", help="Tesseract language(s), e.g. eng or eng+rus (default: eng)"
    )
    run.add_argument(
        "--gazetteer",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="name gazetteer (CSV id,name,type,variants; TEI; or one name a line); repeatable",
    )
    run.add_argument(
        "--no-correct",
        dest="correct",
        action="store_false",
        help="tag names but do not correct them",
    )
    run.add_argument(
        "--executor",
        choices=("process", "serial", "dask"),
        default="process",
        help="where page tasks run (default: process pool)",
    )
    run.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --executor dask)"
    )
    run.add_argument(
        "--page-timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="give up on a page after this long, at most a day (default: 600)",
    )
    run.add_argument("--force", action="store_true", help="redo documents that are already done")
    run.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="follow symbolic links that point out of the input folders",
    )
    published = run.add_argument_group(
        "publication", "what the TEI header, manifests and bags say of the batch"
    )
    published.add_argument("--publisher", help="who makes the transcriptions available")
    published.add_argument(
        "--licence",
        metavar="URI",
        help="the licence's URI (default: the Public Domain Mark, for US-Government works)",
    )
    published.add_argument("--institution", help="the archive's institution (msIdentifier)")
    published.add_argument("--repository", help="the archive's repository (msIdentifier)")
    published.add_argument("--collection", help="the records' collection (msIdentifier)")
    published.add_argument(
        "--image-base-uri",
        metavar="URI",
        help="link page images under this URI (an image server) instead of relative to the TEI",
    )
    published.add_argument(
        "--base-uri", metavar="URI", help="where the output folder will be published"
    )
    published.add_argument(
        "--no-sidecars", dest="sidecars", action="store_false",
        help="no ALTO and hOCR of each page, no IIIF manifest: the TEI alone",
    )
    published.add_argument(
        "--pdf", action="store_true",
        help="a searchable PDF of each scanned document (<path>.pdf), from the same OCR run",
    )
    published.add_argument(
        "--hocr", action="store_true",
        help="each page's hOCR too (<path>.ocr/page-N.hocr.html), from the same OCR run",
    )
    published.add_argument(
        "--metadata",
        type=Path,
        metavar="FILE",
        help="a TOML file with any of these (publisher = \"...\"); the options win over it",
    )
    run.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="no progress bar (log lines only)",
    )
    _verbosity(run)

    check = sub.add_parser("validate", help="check TEI files against the project schema")
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument(
        "--tei-all",
        type=Path,
        nargs="?",
        const=PACKAGED,
        metavar="RNG",
        help="also check against full TEI: the tei_all schema that ships with the package "
        "(TEI P5 4.12.0), or the one at RNG",
    )
    _verbosity(check)

    pack = sub.add_parser("package", help="package a finished batch as a BagIt bag for deposit")
    pack.add_argument("batch", type=Path, metavar="OUTDIR", help="the output folder of a run")
    pack.add_argument("-o", "--output", type=Path, required=True, metavar="BAGDIR",
                      help="the bag's folder (new or empty)")
    pack.add_argument("--images", action="store_true",
                      help="put the page images in the bag, the TEI linking to them")
    pack.add_argument("--identifier", help="bag-info External-Identifier (default: OUTDIR's name)")
    pack.add_argument("--organization", help="bag-info Source-Organization")
    _verbosity(pack)

    review = sub.add_parser(
        "review", help="write a review page of a batch's corrections (OUTDIR/review/index.html)"
    )
    review.add_argument("batch", type=Path, metavar="OUTDIR", help="the output folder of a run")
    review.add_argument(
        "--gazetteer", action="append", type=Path, default=[], metavar="FILE",
        help="entities a reviewer can pick (default: the gazetteer that ships); repeatable",
    )
    _verbosity(review)

    decided = sub.add_parser("apply", help="apply the decisions saved from the review page")
    decided.add_argument("decisions", type=Path, metavar="DECISIONS.json")
    decided.add_argument("batch", type=Path, metavar="OUTDIR", help="the output folder reviewed")
    decided.add_argument("--reviewer", required=True, metavar="NAME",
                         help="who made the decisions (named in the TEI header)")
    _verbosity(decided)
    return parser


def _jobs(text: str) -> int:
    """argparse type of --jobs: a whole number in bounds, or a usage error saying why."""
    try:
        return check_jobs(int(text))
    except ValueError as e:  # UsageError is a ValueError too
        raise argparse.ArgumentTypeError(
            str(e) if isinstance(e, UsageError) else f"not a whole number: {text!r}"
        ) from None


def _seconds(text: str) -> float:
    """argparse type of --page-timeout: finite seconds in bounds (nan, inf and 1e308 are not)."""
    try:
        return check_page_timeout(float(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(
            str(e) if isinstance(e, UsageError) else f"not a number of seconds: {text!r}"
        ) from None


def _verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=0)
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tei-pipeline`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    _configure_logging(args.verbosity)
    try:
        if args.command == "package":
            from pipeline.bag import package

            packed = package(args.batch, args.output, images=args.images,
                             identifier=args.identifier, organization=args.organization)
            if args.verbosity >= 0:
                print(f"tei-pipeline: bag {packed.bag}: {packed.documents} documents, "
                      f"{packed.files} files", file=sys.stderr)
            return int(ExitCode.ok)
        if args.command == "review":
            from pipeline.review import write_review_page

            page = write_review_page(args.batch, args.gazetteer)
            if args.verbosity >= 0:
                print(f"tei-pipeline: review page {page.path}: {page.items} items in "
                      f"{page.documents} documents, {page.crops} line images", file=sys.stderr)
            return int(ExitCode.ok)
        if args.command == "apply":
            from pipeline.decisions import apply

            applied = apply(args.decisions, args.batch, args.reviewer)
            if args.verbosity >= 0:
                print(f"tei-pipeline: {applied.documents} documents reviewed: "
                      f"{applied.accepted} accepted, {applied.rejected} rejected, "
                      f"{applied.edited} edited", file=sys.stderr)
            return int(ExitCode.ok)
        if args.command == "validate":
            from pipeline.driver import validate_files

            tei_all = args.tei_all
            if tei_all is PACKAGED:
                from pipeline.validate import tei_all_schema

                tei_all = tei_all_schema()
            return int(validate_files(args.files, tei_all))
        from pipeline.driver import run
        from pipeline.options import Options
        from pipeline.publication import Publication

        given = {
            name: getattr(args, name)
            for name in ("publisher", "licence", "institution", "repository", "collection",
                         "image_base_uri", "base_uri")
            if getattr(args, name) is not None
        }
        publication = Publication(**given)
        if args.metadata is not None:
            publication = publication.with_file(args.metadata)
        options = Options(
            inputs=tuple(args.inputs),
            output=args.output,
            **({"jobs": args.jobs} if args.jobs is not None else {}),
            lang=args.lang,
            gazetteers=tuple(args.gazetteer),
            correct=args.correct,
            executor=args.executor,
            scheduler=args.scheduler,
            page_timeout=args.page_timeout,
            force=args.force,
            verbosity=args.verbosity,
            progress=args.progress,
            follow_symlinks=args.follow_symlinks,
            publication=publication,
            sidecars=args.sidecars,
            pdf=args.pdf,
            hocr=args.hocr,
        )
        return int(run(options))
    except PipelineError as e:
        log.debug("details", exc_info=True)
        print(f"tei-pipeline: error: {printable(e)}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt as e:
        how = ("interrupted" if not isinstance(e, Interrupted) or e.signal_name == "SIGINT"
               else f"terminated ({e.signal_name})")
        print(f"tei-pipeline: {how}; rerun the same command to finish the batch", file=sys.stderr)
        return int(ExitCode.interrupted)
    except Exception as e:  # a bug: one line, the traceback with -v
        log.debug("unexpected error", exc_info=True)
        print(
            f"tei-pipeline: internal error: {type(e).__name__}: {printable(e)} "
            "(rerun with -v for details)",
            file=sys.stderr,
        )
        return int(ExitCode.internal_error)


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.DEBUG}[verbosity]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("tei-pipeline: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])

