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
from grader.errors import GraderError, InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_FAULT = 0, 1, 2, 3


def _regions(value: str | None) -> list[str] | None:
    if value is None or value.strip() == "all":
        return None if value is None else ["all"]
    regions = [r.strip() for r in value.split(",") if r.strip()]
    if not regions:
        raise InputError("--regions: give 'all' or a comma-separated list of regions")
    return regions


def aws_options(func):
    for opt in reversed(
        [
            click.option("--profile", help="AWS profile of the student's account."),
            click.option("--role-arn", help="Role to assume in the student's account (read-only)."),
            click.option("--external-id", help="External id for --role-arn."),
            click.option("--endpoint-url", help="Send every AWS call here (e.g. a moto server)."),
            click.option("--regions", help="'all' (default: the rubric's) or R1,R2,..."),
        ]
    ):
        func = opt(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade the SageMaker lesson 13.2: a student's AWS account (read-only) and notebooks."""


@cli.command()
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--student", "student_id", default="student", show_default=True, help="Student id for the report.")
@click.option("--name", help="Student name for the report.")
@click.option("--notebooks", type=click.Path(path_type=Path), help="Folder with the executed notebooks.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-report"), show_default=True)
@click.option("--format", "formats", help="Comma-separated: json,html,csv,junit,md,gradescope (default json,html).")
@aws_options
def check(rubric_ref, student_id, name, notebooks, out, formats, profile, role_arn, external_id, endpoint_url, regions):
    """Grade one student's account (and notebooks, when given)."""
    from grader.commands import run_check

    sys.exit(
        run_check(
            rubric_ref=rubric_ref, student_id=student_id, name=name, notebooks=notebooks, out=out,
            formats=formats, profile=profile, role_arn=role_arn, external_id=external_id,
            endpoint_url=endpoint_url, regions=_regions(regions), audience="ta",
        )
    )


@cli.command("self-check")
@click.option("--rubric", "rubric_ref", help="Shipped rubric id or path to a rubric YAML file.")
@click.option("--student", "student_id", default="me", show_default=True)
@click.option("--notebooks", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("grader-report"), show_default=True)
@click.option("--format", "formats", help="Comma-separated formats (default json,html).")
@aws_options
def self_check(rubric_ref, student_id, notebooks, out, formats, profile, role_arn, external_id, endpoint_url, regions):
    """Check your own work before review, with your own credentials."""
    from grader.commands import run_check

    sys.exit(
        run_check(
            rubric_ref=rubric_ref, student_id=student_id, name=None, notebooks=notebooks, out=out,
            formats=formats, profile=profile, role_arn=role_arn, external_id=external_id,
            endpoint_url=endpoint_url, regions=_regions(regions), audience="student",
        )
    )


@cli.group()
def rubric() -> None:
    """List, show and validate rubrics."""


@rubric.command("list")
def rubric_list():
    """List the shipped rubrics."""
    from grader.rubric import load_rubric, shipped_rubrics

    for rid in sorted(shipped_rubrics()):
        r = load_rubric(rid)
        click.echo(f"{r.id}\t{r.version}\t{len(r.items)} items\t{r.possible:g} points\t{r.title}")


@rubric.command("show")
@click.argument("ref")
def rubric_show(ref):
    """Show a rubric's items, points, checks and parameters."""
    from grader.rubric import load_rubric

    r = load_rubric(ref)
    click.echo(f"{r.id} (version {r.version}): {r.title}  [{r.source}]")
    for item in r.items:
        spec = r.spec_for(item)
        params = r.params_for(item.id).model_dump(mode="json")
        click.echo(f"  {item.id:32} {item.points:>5g} pts  {spec.category:10} {item.title or spec.title}")
        if params:
            click.echo("      params: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    click.echo(f"  total: {r.possible:g} points")


@rubric.command("validate")
@click.argument("path")
def rubric_validate(path):
    """Validate a rubric file; exit 2 with the first error."""
    from grader.rubric import load_rubric

    r = load_rubric(path)
    click.echo(f"ok: rubric {r.id} version {r.version}, {len(r.items)} items, {r.possible:g} points")


def _log_traceback() -> Path:
    """Write the current traceback to a log file and return its path (never to the terminal)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    fd, name = tempfile.mkstemp(prefix=f"grader-{stamp}-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        traceback.print_exc(file=fh)
    return Path(name)


def main(argv: list[str] | None = None) -> int:
    """Entry point: the one place where exceptions become messages and exit codes."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        cli.main(args=argv, prog_name="grader", standalone_mode=False)
        return EXIT_OK
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("grader: aborted", err=True)
        return EXIT_INPUT
    except click.UsageError as exc:
        click.echo(f"grader: error: {exc.format_message()}", err=True)
        return EXIT_INPUT
    except click.ClickException as exc:
        click.echo(f"grader: error: {exc.format_message()}", err=True)
        return EXIT_INPUT
    except GraderError as exc:
        click.echo(f"grader: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("grader: interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - internal fault: one line, traceback in a log file
        log = _log_traceback()
        click.echo(f"grader: internal error: {type(exc).__name__}: {exc} (traceback in {log})", err=True)
        return EXIT_FAULT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
