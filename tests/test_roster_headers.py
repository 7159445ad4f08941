"""Rosters as TAs save them (issue 16): header aliases, `-` in headers, `;` and tab delimiters,
and a hint when no student_id column is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import InputError
from grader.roster import parse_roster


def parse(text: str):
    return parse_roster(text, base_dir=Path("/r"))


@pytest.mark.parametrize("header", ["E-mail", "Email address", "e-mail", "E_Mail", "email-address", "Mail"])
def test_email_header_aliases(header):
    roster = parse(f"student_id,{header}\ns1,ann@example.edu\n")
    assert roster.entries[0].email == "ann@example.edu" and roster.ignored_columns == []


@pytest.mark.parametrize(("header", "field"), [("Student ID", "student_id"), ("Student-Id", "student_id"),
                                               ("ID", "student_id"), ("Full name", "name"),
                                               ("Role ARN", "role_arn"), ("External-ID", "external_id"),
                                               ("Region", "regions")])
def test_other_aliases_and_dashes(header, field):
    text = f"{header},student_id\nv,s1\n" if field != "student_id" else f"{header}\ns1\n"
    if field == "role_arn":
        text = f"student_id,{header}\ns1,arn:aws:iam::111122223333:role/G\n"
    elif field == "regions":
        text = f"student_id,{header}\ns1,us-east-2\n"
    elif field != "student_id":
        text = f"student_id,{header}\ns1,v\n"
    entry = parse(text).entries[0]
    assert entry.student_id == "s1"
    if field == "name":
        assert entry.name == "v"
    if field == "external_id":
        assert entry.external_id == "v"
    if field == "role_arn":
        assert entry.role_arn == "arn:aws:iam::111122223333:role/G"
    if field == "regions":
        assert entry.regions == ["us-east-2"]


def test_an_exact_column_wins_over_an_alias():
    roster = parse("id,student_id,Mail,email\n7,s1,old@x,new@x\n")
    assert roster.entries[0].student_id == "s1" and roster.entries[0].email == "new@x"
    assert roster.ignored_columns == ["id", "Mail"]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_the_delimiter_is_detected(delimiter):
    text = delimiter.join(["Student ID", "Name", "E-mail", "Regions"]) + "\n" + \
        delimiter.join(["s1", "Ann, B.", "a@x", '"us-east-2,ca-central-1"' if delimiter == "," else "us-east-2,ca-central-1"]) + "\n"
    if delimiter == ",":
        text = text.replace("Ann, B.", '"Ann, B."')
    entry = parse(text).entries[0]
    assert (entry.student_id, entry.name, entry.email) == ("s1", "Ann, B.", "a@x")
    assert entry.regions == ["us-east-2", "ca-central-1"]


def test_no_student_id_column_gives_a_hint():
    with pytest.raises(InputError) as err:
        parse("nom;courriel\nAnn;a@x\n")
    text = str(err.value)
    assert "no student_id column" in text and "separated by semicolons" in text and "2 columns" in text
    assert "commas, semicolons or tabs" in text and "student id" in text
