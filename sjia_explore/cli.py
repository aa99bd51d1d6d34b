"""The ``sjia-explore`` command: validate a cohort, reproduce the paper, serve the app.

Exit codes: 0 success, 1 the data (or a reproduced number) is wrong, 2 usage error.
No command prints a traceback: problems are reported as ``file:row:column: message``.
"""

from __future__ import annotations

import argparse
import sys


def _validate(args: argparse.Namespace) -> int:
    """Check a cohort: warnings and problems to stderr, the summary to stdout; 0 valid, 1 invalid."""
    from sjia_explore.data import CohortValidationError, load_cohort
    from sjia_explore.readers import parse_event_weeks, parse_visit_windows, visit_windows

    try:
        windows = parse_visit_windows(args.visit_windows) if args.visit_windows else None
        visit_windows(windows)
        events = parse_event_weeks(args.event_weeks) if args.event_weeks else None
    except (ValueError, OSError) as err:
        print(f"sjia-explore validate: {err}", file=sys.stderr)
        return 2
    try:
        cohort = load_cohort(args.path, visit_windows=windows, event_weeks=events)
    except CohortValidationError as err:
        for warning in err.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for problem in err.problems:
            print(problem, file=sys.stderr)
        n = len(err.problems)
        print(f"{args.path}: not a valid cohort ({n} problem{'s' if n != 1 else ''})", file=sys.stderr)
        return 1
    except (OSError, MemoryError) as err:  # unreadable path, or a file far beyond the limits
        print(f"{args.path}: could not be read ({type(err).__name__}: {err})", file=sys.stderr)
        return 1
    for warning in cohort.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.path}: valid cohort: {cohort.n_patients} patients, {len(cohort.visits)} visits, "
          f"{len(cohort.treatments)} treatment rows, {len(cohort.adverse_events)} adverse events")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from sjia_explore.reproduce import main as reproduce_main

    return reproduce_main()


def _simulate(args: argparse.Namespace) -> int:
    from sjia_explore.data import CohortValidationError, load_cohort
    from sjia_explore.simulate import registry, write_cohort

    if args.n_patients < 1:
        print("sjia-explore simulate: N must be at least 1", file=sys.stderr)
        return 2
    cohort = registry(args.n_patients, seed=args.seed)
    if args.format == "redcap":
        from sjia_explore.clinic_exports import write_redcap

        write_redcap(cohort, args.out)
    elif args.format == "dates":
        from sjia_explore.clinic_exports import write_dates

        write_dates(cohort, args.out, seed=args.seed)
    else:
        write_cohort(cohort, args.out)
    try:
        cohort = load_cohort(args.out)
    except CohortValidationError as err:  # pragma: no cover - the simulator writes valid data
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 1
    shape = {"redcap": " as a REDCap export", "dates": " with visit dates"}.get(args.format, "")
    print(f"{args.out}: simulated registry of {cohort.n_patients} patients, {len(cohort.visits)} visits{shape} (valid)")
    return 0


def _app(args: argparse.Namespace) -> int:
    from sjia_explore.server import serve

    if args.viewers < 0:
        print("sjia-explore app: --viewers must be 0 or more", file=sys.stderr)
        return 2
    return serve(port=args.port, open_browser=not args.no_browser, ip=args.ip, viewers=args.viewers)


def build_parser() -> argparse.ArgumentParser:
    from sjia_explore.server import KERNEL_RSS_MB, PREHEAT_POOL_SIZE

    parser = argparse.ArgumentParser(
        prog="sjia-explore",
        description="Explore cohorts of children with systemic JIA treated with IL-1 blockade.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a cohort (folder, .zip, .xlsx or long .csv); "
                                        "one line per problem (file:row:column: message)")
    p.add_argument("path", help="folder or .zip of patients.csv and visits.csv, an .xlsx workbook with a sheet per "
                   "table, or one long .csv/.xlsx with a row per patient and visit")
    p.add_argument("--visit-windows", metavar="WINDOWS",
                   help="for visits given by date or study day: the window of each nominal week, as WEEK=HALF_WIDTH "
                   "or WEEK=EARLIEST-LATEST in weeks, comma-separated (default 0=0-1,4=1,8=2,12=2,24=4)")
    p.add_argument("--event-weeks", metavar="MAP",
                   help="for a REDCap export whose event names do not say their week: EVENT=WEEK pairs, "
                   "comma-separated (flare_arm_1=16), or a CSV file of event,week lines")
    p.set_defaults(func=_validate)
    p = sub.add_parser("reproduce", help="print every number Qiu 2024 reports beside ours; exit 1 on any mismatch")
    p.set_defaults(func=_reproduce)
    p = sub.add_parser("simulate", help="write a synthetic registry of N patients in the bundled CSV layout")
    p.add_argument("n_patients", metavar="N", type=int, help="number of patients")
    p.add_argument("out", metavar="OUT", help="folder to write patients.csv, visits.csv, ... into")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--format", choices=("tables", "dates", "redcap"), default="tables",
                   help="tables: the bundled CSV layout (default); dates: visit, onset and IL-1 start dates instead "
                   "of weeks and months; redcap: a REDCap records export with its data dictionary")
    p.set_defaults(func=_simulate)
    p = sub.add_parser("app", help="serve the dashboard (app.ipynb) with Voila on this computer only")
    p.add_argument("--port", type=int, default=8866, help="port to serve on (default 8866)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--viewers", type=int, default=PREHEAT_POOL_SIZE, metavar="N",
                   help=f"kernels kept ready, each having run the app, so that N viewers arriving together get "
                        f"the page at once (default {PREHEAT_POOL_SIZE}; about {KERNEL_RSS_MB} MB of memory each; "
                        "start the server a few minutes before a class)")
    p.set_defaults(func=_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: a message, never a traceback
        print(f"sjia-explore {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
