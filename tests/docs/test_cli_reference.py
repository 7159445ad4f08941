"""The command line documents itself, and README.md says the same (issue 16).

Every command and every option has a help text; every command's help gives its exit codes; the
README's "Command reference" section lists exactly the commands and options of `--help`, with
the same descriptions. When this fails after a change to the CLI, `python -m
tests.docs.test_cli_reference` prints the section to paste into README.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pytest

from grader.cli import cli

README = Path(__file__).parents[2] / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def commands(group: click.Group = cli, prefix: str = "grader") -> list[tuple[str, click.Command]]:
    found = [(prefix, group)]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            found += commands(cmd, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", cmd))
    return found


def context(cmd: click.Command, name: str | None = None) -> click.Context:
    return click.Context(cmd, info_name=name, help_option_names=["-h", "--help"])


def options(cmd: click.Command) -> list[click.Option]:
    return [p for p in cmd.get_params(context(cmd)) if isinstance(p, click.Option)]


def flags(opt: click.Option) -> str:
    return ", ".join(f"`{o}`" for o in [*opt.opts, *opt.secondary_opts])


def words(text: str | None) -> str:
    return " ".join((text or "").replace("\b", "").split())


def reference() -> str:
    lines = [START, ""]
    for name, cmd in commands():
        summary = words(cmd.get_short_help_str(limit=10_000))
        args = " ".join(p.human_readable_name for p in cmd.params if isinstance(p, click.Argument))
        lines += [f"#### `{name}{' ' + args if args else ''}`", "", summary, "", "| option | what it does |",
                  "|---|---|"]
        for opt in options(cmd):
            default = f" (default: {opt.default})" if opt.show_default and opt.default is not None else ""
            lines.append(f"| {flags(opt)} | {words(opt.help)}{default} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README.md has no command reference section"
    return text[text.index(START): text.index(END) + len(END)]


@pytest.mark.parametrize(("name", "cmd"), commands(), ids=[n for n, _ in commands()])
def test_every_command_and_option_has_help_and_exit_codes(name, cmd):
    assert words(cmd.help), name
    for opt in options(cmd):
        assert words(opt.help), f"{name} {opt.opts[0]} has no help"
    runner_help = cmd.get_help(context(cmd, name))
    if name != "grader":
        assert "Exit codes:" in runner_help, name
    body = runner_help.split("\n", 1)[1]  # after the usage line ("[ARGS]...")
    assert "..." not in body.replace("R1,R2,...", "").replace("FILES...", ""), name  # nothing cut off


def test_the_readme_reference_is_the_help():
    want = reference()
    got = readme_section()
    assert got == want, "README.md's command reference differs from --help; run python -m tests.docs.test_cli_reference"


def test_the_readme_documents_completion_and_the_global_options():
    text = README.read_text(encoding="utf-8")
    assert "_GRADER_COMPLETE=bash_source grader" in text and "zsh_source" in text and "fish_source" in text
    for opt in ("--quiet", "--verbose", "--no-color", "NO_COLOR"):
        assert opt in text, opt


def test_the_batch_help_describes_the_roster_columns():
    text = cli.get_command(click.Context(cli), "batch").help
    for col in ("student_id", "name", "email", "profile", "role_arn", "external_id", "notebooks", "regions"):
        assert re.search(rf"^\s+{col}\s", text, re.M), col


def test_the_ta_docs_say_how_to_seed_moto_by_hand():
    """Without the variable, moto has no AdministratorAccess: NoSuchEntity for a TA trying it."""
    text = (README.parent / "docs" / "tas.md").read_text(encoding="utf-8")
    assert "MOTO_IAM_LOAD_MANAGED_POLICIES=true" in text and "NoSuchEntity" in text


if __name__ == "__main__":
    sys.stdout.write(reference() + "\n")
