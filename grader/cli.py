"""The command line: parse options, call the library, print. Exceptions become one line on
stderr and an exit code in exactly one place (`main`)."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

import click

from grader import __version__
from grader.errors import ExitCode, GraderError

EXIT_CHECK = ("\b\nExit codes: 0 graded, nothing to fix; 1 graded, something to fix or look at; "
              "2 usage or input error (nothing graded); 3 AWS could not be reached, or an internal fault; "
              "130 interrupted.")
EXIT_BATCH = ("\b\nExit codes: 0 every student graded (whatever their scores); 1 some student could not be "
              "graded (their row says why); 2 usage or input error (nothing graded); 3 an internal fault "
              "(results already written are kept); 130 interrupted.")
EXIT_DEMO = ("\b\nExit codes: 0 the class was graded; 1 some synthetic student could not be graded; "
             "2 usage error; 3 an internal fault.")
EXIT_EXECUTE = "\b\nExit codes: 0 every notebook reproduces; 1 something to look at; 2 usage or input error; 3 an internal fault."
EXIT_PLAIN = "\b\nExit codes: 0 done; 2 usage or input error; 3 an internal fault."
EXIT_RUBRIC = "\b\nExit codes: 0 done (valid); 2 not a valid rubric, or usage error; 3 an internal fault."

OUT_HELP = "Folder for report.json, report.html and the --format files (created when missing)."
FORMAT_HELP = "Comma-separated report formats: json,html,csv,junit,md,gradescope (default json,html)."
REPRODUCE_HELP = "Also re-execute the notebooks offline in a sandbox and check that their code produces what they print."
OPEN_HELP = "Open report.html in a web browser when done (says so when there is none)."


def _regions(value: str | None) -> list[str] | None:
    if value is None:
        return None
    from grader.aws.regions import parse_regions

    return parse_regions(value, "--regions").as_list()


def _endpoint_url(_ctx, _param, value: str | None) -> str | None:
    """--endpoint-url must be an http(s) URL: an input error (exit 2) before anything runs."""
    if value is not None:
        from grader.aws.session import AwsTarget, check_target

        check_target(AwsTarget(), value)
    return value


def aws_options(func):
    for opt in reversed(
        [
            click.option("--profile", help="AWS profile of the student's account (from aws configure)."),
            click.option("--role-arn", help="Role to assume in the student's account (read-only)."),
            click.option("--external-id", help="External id for --role-arn (an input error without --role-arn)."),
            click.option("--endpoint-url", callback=_endpoint_url,
                         help="Send every AWS call here (e.g. a moto server); also AWS_ENDPOINT_URL."),
            click.option("--regions", help="'all' or R1,R2,... in any case (default: the rubric's regions)."),
        ]
    ):
        func = opt(func)
    return func


class _Commands(click.Group):
    """A group whose command list shows each command's whole first sentence, wrapped (click
    cuts it to the terminal width with '...')."""

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Commands, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Shell completion (bash, zsh, fish): eval \"$(_GRADER_COMPLETE=bash_source grader)\" "
                    "(zsh_source, fish_source); see README.md. NO_COLOR=1 works like --no-color.")
@click.version_option(__version__, prog_name="grader")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (the exit code and the files tell the rest).")
@click.option("-v", "--verbose", is_flag=True, help="Also print what the grader is doing (log messages).")
@click.option("--no-color", is_flag=True, help="No colour and no bold in the terminal (as NO_COLOR=1).")
@click.pass_context
def cli(ctx, quiet, verbose, no_color) -> None:
    """Grade the SageMaker lesson 13.2: a student's AWS account (read-only) and notebooks."""
    from grader import terminal

    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    terminal.configure(quiet=quiet, verbose=verbose, color=not no_color)
    logging.getLogger().setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command(epilog=EXIT_CHECK)
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--student", "student_id", default="student", show_default=True, help="Student id for the report.")
@click.option("--name", help="Student name for the report.")
@click.option("--notebooks", type=click.Path(path_type=Path),
              help="Folder with the student's executed notebooks (without it, the notebook items are skipped).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-report"), show_default=True, help=OUT_HELP)
@click.option("--format", "formats", help=FORMAT_HELP)
@click.option("--reproduce", is_flag=True, help=REPRODUCE_HELP)
@click.option("--open", "open_browser", is_flag=True, help=OPEN_HELP)
@aws_options
def check(rubric_ref, student_id, name, notebooks, out, formats, reproduce, open_browser, profile, role_arn,
          external_id, endpoint_url, regions):
    """Grade one student's account (and notebooks, when given)."""
    from grader.commands import run_check

    sys.exit(
        run_check(
            rubric_ref=rubric_ref, student_id=student_id, name=name, notebooks=notebooks, out=out,
            formats=formats, profile=profile, role_arn=role_arn, external_id=external_id,
            endpoint_url=endpoint_url, regions=_regions(regions), audience="ta", reproduce=reproduce,
            open_browser=open_browser,
        )
    )


@cli.command("self-check", epilog=EXIT_CHECK)
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--student", "student_id", help="Your student id or name, shown as the report's title.")
@click.option("--notebooks", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Folder with your executed notebooks (the folder, not a notebook file).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-report"), show_default=True, help=OUT_HELP)
@click.option("--format", "formats", help=FORMAT_HELP)
@click.option("--reproduce", is_flag=True, help=REPRODUCE_HELP)
@click.option("--open", "open_browser", is_flag=True, help=OPEN_HELP)
@aws_options
def self_check(rubric_ref, student_id, notebooks, out, formats, reproduce, open_browser, profile, role_arn,
               external_id, endpoint_url, regions):
    """Check your own work before review, with your own credentials.

    Grades your AWS account (the standard AWS credentials: aws configure, AWS_PROFILE, or a
    SageMaker Studio role) and the executed notebooks in the current folder (--notebooks), then
    lists what to fix and the lesson step to redo.
    """
    from grader.commands import run_check

    sys.exit(
        run_check(
            rubric_ref=rubric_ref, student_id=student_id, name=None, notebooks=notebooks,
            out=out, formats=formats, profile=profile, role_arn=role_arn, external_id=external_id,
            endpoint_url=endpoint_url, regions=_regions(regions), audience="student", reproduce=reproduce,
            open_browser=open_browser,
        )
    )


ROSTER_HELP = """Grade a class from a roster CSV into --out (index.html, class.json, grades.csv, students/).

\b
ROSTER is a CSV file with a header row (separated by , or ; or tabs, as Excel saves it).
Columns (header case, spaces, - and _ do not matter; other columns are ignored):
  student_id   required, unique (also: id, student, student id, username)
  name         the student's name (also: student name, full name)
  email        (also: e-mail, email address, mail)
  profile      an AWS profile of the grader's machine for this student
  role_arn     a read-only role in the student's account (also: role)
  external_id  the external id that role requires (needs role_arn)
  notebooks    folder of the student's executed notebooks, relative to the roster
  regions      'all' or regions, for this student only (wins over --regions)
A row with neither profile nor role_arn is graded with the command's own credentials.
"""


@cli.command(help=ROSTER_HELP, epilog=EXIT_BATCH, short_help="Grade a class from a roster CSV into --out.")
@click.argument("roster", type=click.Path(path_type=Path))
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-report"), show_default=True,
              help="Folder for index.html, class.json, grades.csv and students/.")
@click.option("--jobs", type=click.IntRange(1, 256), default=8, show_default=True, help="Students graded at once (with --reproduce on workers: one per worker, one kernel each).")
@click.option("--resume", is_flag=True, help="Skip students already graded under the same rubric in --out.")
@click.option("--format", "formats", help="Student formats besides json,html: csv,junit,md,gradescope.")
@click.option("--endpoint-url", callback=_endpoint_url,
              help="Send every AWS call here (e.g. a moto server); also AWS_ENDPOINT_URL.")
@click.option("--regions", help="'all' or R1,R2,... in any case (default: the rubric's); a roster row's regions win.")
@click.option("--overrides", type=click.Path(path_type=Path),
              help="A TA's decisions (overrides.csv: student_id,item_id,status,points,note,by), applied on every run.")
@click.option("--reproduce", is_flag=True, help=REPRODUCE_HELP)
@click.option("--workers", type=click.IntRange(0, 1024),
              help="Worker processes grading students (default: the cores; 0: in this process, no time limit).")
@click.option("--scheduler", metavar="ADDRESS", help="Grade on this Dask cluster (tcp://host:8786) instead; the 'dask' extra.")
@click.option("--student-timeout", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Stop a student still being graded after this long: an error row (default 600, more with --reproduce).")
def batch(roster, rubric_ref, out, jobs, resume, formats, endpoint_url, regions, overrides, reproduce, workers,
          scheduler, student_timeout):
    from grader import terminal
    from grader.batch import default_workers, run_batch, summary_lines
    from grader.output import check_out_dir
    from grader.roster import read_roster
    from reports import parse_formats

    parse_formats(formats)
    roster = read_roster(roster)  # a bad roster leaves --out untouched
    check_out_dir(out, ("index.html", "class.json", "grades.csv", "students"), create=False)
    result = run_batch(roster, rubric_ref=rubric_ref, out=out, jobs=jobs, resume=resume, formats=formats,
                       endpoint_url=endpoint_url, regions=_regions(regions), overrides=overrides, reproduce=reproduce,
                       workers=default_workers() if workers is None else (workers or None),  # 0: in this process
                       scheduler=scheduler, student_timeout=student_timeout)
    terminal.echo("\n".join(summary_lines(result)))
    sys.exit(result.exit_code)


@cli.command(epilog=EXIT_EXECUTE)
@click.argument("notebooks_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-executed"), show_default=True,
              help="Folder for the executed copies and reproduction.json.")
@click.option("--seeds", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Random splits tried when the notebook's split has no fixed random_state.")
def execute(notebooks_dir, out, seeds):
    """Re-execute the lesson's notebooks offline in a sandbox against a fake AWS; judge their figures."""
    from grader import terminal
    from grader.reproduce.command import exit_code, run_execute, summary_lines

    summary = run_execute(notebooks_dir, out, seeds=seeds)
    terminal.echo("\n".join(summary_lines(summary)))
    sys.exit(exit_code(summary))


@cli.command(epilog=EXIT_DEMO)
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-demo"), show_default=True,
              help="Folder for the synthetic roster, notebooks and the class report.")
@click.option("--students", type=click.IntRange(1, 200), default=8, show_default=True,
              help="Students in the synthetic class (the first 8 show the typical mistakes).")
@click.option("--open", "open_browser", is_flag=True, help="Open index.html in a web browser (says so when there is none).")
def demo(out, students, open_browser):
    """Grade a synthetic class on a local moto server: no AWS account needed."""
    from grader.extras import DEMO_MODULES, require_extra

    require_extra("demo", *DEMO_MODULES)
    from grader.demo.run import run_demo

    sys.exit(run_demo(out=out, students=students, open_browser=open_browser))


@cli.command(epilog=EXIT_PLAIN)
@click.option("--out", type=click.Path(path_type=Path), default=Path("lesson-13.2"), show_default=True,
              help="Folder to copy the starter notebooks and data into (must not hold them already).")
def templates(out):
    """Copy the lesson's starter notebooks (SageMaker SDK 2) and their data into a folder."""
    from grader import terminal
    from grader.templates import copy_templates

    for path in copy_templates(out):
        terminal.echo(f"wrote {path}")


@cli.group(cls=_Commands, epilog=EXIT_RUBRIC)
def rubric() -> None:
    """List, show and validate rubrics."""


@rubric.command("list", epilog=EXIT_PLAIN)
def rubric_list():
    """List the shipped rubrics."""
    from grader.commands import list_rubrics

    click.echo(list_rubrics(), nl=False)


@rubric.command("show", epilog=EXIT_RUBRIC)
@click.argument("ref")
def rubric_show(ref):
    """Show a rubric's items, points, checks and parameters."""
    from grader.commands import show_rubric

    click.echo(show_rubric(ref), nl=False)


@rubric.command("validate", epilog=EXIT_RUBRIC)
@click.argument("path")
def rubric_validate(path):
    """Validate a rubric file; exit 2 with the first error."""
    from grader.rubric import load_rubric

    r = load_rubric(path)
    click.echo(f"ok: rubric {r.id} version {r.version}, {len(r.items)} items, {r.possible:g} points")


@rubric.command("fingerprint", epilog=EXIT_RUBRIC)
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option("--name", help="The run's name in the flag a TA reads (default: the file's name).")
@click.option("--notebook", "role", type=click.Choice(["rainfall", "credit"]),
              help="Which lesson notebook it is (default: from the file's name).")
def rubric_fingerprint(notebook, name, role):
    """Print a known_solutions entry (YAML) for an executed solution notebook the course published."""
    from grader.commands import fingerprint_entry

    click.echo(fingerprint_entry(notebook, name, role), nl=False)


@cli.command("access-policy", epilog=EXIT_PLAIN)
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--format", "fmt", type=click.Choice(["json", "cloudformation"]), default="json", show_default=True,
              help="json: the IAM policy; cloudformation: a read-only cross-account role template (YAML).")
@click.option("--grader-account", help="12-digit id of the grader's AWS account (cloudformation).")
@click.option("--external-id", help="External id the grader will present (cloudformation).")
def access_policy(rubric_ref, fmt, grader_account, external_id):
    """Print the least-privilege read-only IAM policy for a rubric, or a role template."""
    from grader.access_policy import render
    from grader.rubric import load_rubric

    click.echo(render(load_rubric(rubric_ref), fmt, grader_account=grader_account, external_id=external_id), nl=False)


@cli.command("report", epilog=EXIT_PLAIN)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path),
              help="Folder to write into (default: next to each file; with several files, one folder per student).")
@click.option("--format", "formats", help=FORMAT_HELP)
@click.option("--overrides", type=click.Path(path_type=Path),
              help="A TA's decisions (overrides.csv): applied to the saved reports (a class.json: its whole folder).")
def report_cmd(files, out, formats, overrides):
    """Re-render saved report.json (or class.json) files, without touching AWS."""
    from grader import terminal
    from reports.rerender import rerender

    if overrides is not None:
        from grader.overrides import read_overrides
        from grader.reoverride import apply_saved

        for path in apply_saved(list(files), read_overrides(overrides)):
            terminal.echo(f"wrote {path}")
    for path in rerender(list(files), out, formats):
        terminal.echo(f"wrote {path}")


def _log_traceback() -> Path:
    """Write the current traceback to a log file and return its path (never to the terminal)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    fd, name = tempfile.mkstemp(prefix=f"grader-{stamp}-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        traceback.print_exc(file=fh)
    return Path(name)


class _OneLine(logging.Formatter):
    """Log records on the terminal are one line each; a traceback goes to a log file it names."""

    def format(self, record: logging.LogRecord) -> str:
        text = (record.getMessage().splitlines() or [""])[0]
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            fd, name = tempfile.mkstemp(prefix=f"grader-{stamp}-", suffix=".log")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(logging.Formatter().format(record))
            text += f": {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (traceback in {name})"
        return text


def main(argv: list[str] | None = None) -> int:
    """Entry point: the one place where exceptions become messages and exit codes."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(_OneLine())
    try:
        cli.main(args=argv, prog_name="grader", standalone_mode=False)
        return ExitCode.OK
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else ExitCode.INPUT
    except click.exceptions.Abort:
        click.echo("grader: aborted", err=True)
        return ExitCode.INPUT
    except click.UsageError as exc:
        click.echo(f"grader: error: {exc.format_message()}", err=True)
        return ExitCode.INPUT
    except click.ClickException as exc:
        click.echo(f"grader: error: {exc.format_message()}", err=True)
        return ExitCode.INPUT
    except GraderError as exc:
        click.echo(f"grader: error: {exc}", err=True)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("grader: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - internal fault: one line, traceback in a log file
        log = _log_traceback()
        click.echo(f"grader: internal error: {type(exc).__name__}: {exc} (traceback in {log})", err=True)
        return ExitCode.FAULT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
