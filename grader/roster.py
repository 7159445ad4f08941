"""The class roster of `grader batch` (roster.csv), read and validated before any AWS call.

Rules (../shared/spec/interface.md, "roster.csv"):

- A header row is required and must name a `student_id` column. The optional columns are
  `name, email, profile, role_arn, external_id, notebooks, regions`. Header names are compared
  without case, surrounding spaces, or the difference between `-`, ` ` and `_` (`Role ARN` is
  `role_arn`, `E-mail` is `email`), and common aliases are accepted (`ALIASES`: `Email address`,
  `Student ID`, `Full name`, ...). Any other column is ignored (it is reported in
  `Roster.ignored_columns`), so a TA can keep their own bookkeeping columns in the file.
- The delimiter is detected from the header row: `,`, `;` (Excel in many European locales) or
  a tab, whichever splits it into the most columns that include a `student_id` one.
- The file is UTF-8, with or without a byte-order mark; Windows (CRLF) line endings are fine.
- Every row needs a non-empty `student_id`; ids are unique; two ids must not map to the same
  student folder (`grader.output.safe_name`, compared without case because some file systems
  ignore it). Each of these is an InputError (exit 2) naming the line.
- Rows whose every field is empty are skipped. A row with more fields than the header is an
  error (a comma inside an unquoted value shifts every later column).
- `notebooks` is a folder relative to the roster file's folder (absolute paths are kept;
  Windows `\\` separators are read as `/`). A folder that does not exist is that student's
  problem at grading time (their row says so), not the roster's.
- `regions` is `all` or region names separated by `,`, `;` or spaces (quote the cell when it
  contains commas). It applies to that student only and wins over the command's `--regions`;
  `all` means what `check --regions all` means.
- AWS access: `profile`, `role_arn` (+ `external_id`), both (the profile's credentials assume
  the role), or neither (the command's own credentials). A row whose access cannot work as
  written (an `external_id` without a `role_arn`, a malformed ARN or external id, an unknown
  region) is that student's error when the class is graded, like a profile that does not exist
  or a role that cannot be assumed: the other students are graded (exit 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.aws.regions import parse_regions
from grader.errors import InputError
from grader.output import safe_name

REQUIRED = "student_id"
OPTIONAL = ("name", "email", "profile", "role_arn", "external_id", "notebooks", "regions")
KNOWN = (REQUIRED, *OPTIONAL)
DELIMITERS = (",", ";", "\t")
# Other spellings of the columns (after `normalise_header`, whose `_` forms are also read without `_`).
ALIASES = {
    "student_id": ("studentid", "student", "student_number", "student_no", "id", "sid", "username", "user_id",
                   "login", "student_login"),
    "name": ("student_name", "full_name", "fullname", "display_name"),
    "email": ("e_mail", "email_address", "e_mail_address", "mail", "student_email"),
    "profile": ("aws_profile",),
    "role_arn": ("role", "rolearn", "aws_role_arn", "iam_role_arn"),
    "external_id": ("externalid", "ext_id"),
    "notebooks": ("notebook_folder", "notebooks_folder", "notebook"),
    "regions": ("region", "aws_regions"),
}
_CANONICAL = {alias: col for col, names in ALIASES.items() for alias in names} | {c: c for c in KNOWN}


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster, as given (values stripped, empty ones None)."""

    line: int
    student_id: str
    name: str | None = None
    email: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    notebooks: Path | None = None
    regions: list[str] | None = None

    @property
    def folder(self) -> str:
        """The student's folder name under `students/`."""
        return safe_name(self.student_id)

    def access_problem(self) -> str | None:
        """Why this row's AWS access cannot be used as written (a malformed role ARN or external
        id, an external id without a role, an unknown region), or None. Such a row is that
        student's error when the class is graded; the other students are still graded."""
        from grader.aws.session import AwsTarget, check_target

        where = f"roster line {self.line}"
        if self.external_id and not self.role_arn:
            return f"{where}: external_id is given without a role_arn to use it with"
        try:
            check_target(AwsTarget(role_arn=self.role_arn, external_id=self.external_id), None)
            if self.regions:
                parse_regions(self.regions, "regions")
        except InputError as exc:
            return f"{where}: " + str(exc).replace("--role-arn", "role_arn").replace("--external-id", "external_id")
        return None


@dataclass
class Roster:
    source: Path
    entries: list[RosterEntry] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)


def normalise_header(name: str) -> str:
    """A header cell as a column name: case, spaces, `-` and `_` do not matter, aliases are read
    as their column (`E-mail` and `Email address` are `email`); other names as they are."""
    key = re.sub(r"[\s\-_]+", "_", name.strip().lower()).strip("_")
    return _CANONICAL.get(key) or _CANONICAL.get(key.replace("_", "")) or key


def detect_delimiter(text: str) -> str:
    """The delimiter of the header row (the first non-blank line): the one of `,` `;` tab that
    yields a student_id column with the most columns; else the one that splits it most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, score = ",", (-1, -1)
    for delim in DELIMITERS:
        try:
            cells = next(csv.reader([first], delimiter=delim))
        except (csv.Error, StopIteration):
            continue
        found = (int(REQUIRED in [normalise_header(c) for c in cells]), len(cells))
        if found > score:
            best, score = delim, found
    return best


def read_roster(path: Path | str) -> Roster:
    """Read and validate `path`. Raises InputError naming the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"roster {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"roster {path}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"roster {path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"roster {path}, line {line}: not UTF-8 text (save the file as CSV UTF-8)") from None
    return parse_roster(text, base_dir=path.resolve().parent, source=path)


def parse_roster(text: str, *, base_dir: Path, source: Path | str = "roster.csv") -> Roster:
    """Parse roster CSV text; `notebooks` folders are resolved against `base_dir`."""
    source = Path(source)
    where = f"roster {source}"
    text = text.removeprefix("\ufeff")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)  # an unclosed quote is an error
    try:
        header, header_line = _header(reader)
    except csv.Error as exc:
        raise InputError(f"{where}, line {reader.line_num}: not valid CSV ({exc})") from None
    if header is None:
        raise InputError(f"{where}: empty file; a header row naming a student_id column is required")
    columns = _resolve(header)
    if REQUIRED not in columns:
        shown = delimiter.join(h.strip() for h in header)[:120]
        raise InputError(
            f"{where}, line {header_line}: no student_id column in the header row ({shown!r}, read as "
            f"{len(header)} column{'' if len(header) == 1 else 's'} separated by {_DELIM_WORDS[delimiter]}); "
            f"the first row must name the columns, e.g. student_id,{','.join(OPTIONAL)} (separated by "
            "commas, semicolons or tabs; also accepted for student_id: id, student, student id, username)"
        )
    seen_cols: dict[str, int] = {}
    for i, col in enumerate(columns):
        if col in KNOWN and col in seen_cols:
            raise InputError(f"{where}, line {header_line}: column {col!r} appears twice in the header row")
        seen_cols.setdefault(col, i)
    ignored = [h.strip() for h, c in zip(header, columns, strict=True) if c not in KNOWN and h.strip()]
    roster = Roster(source=source, ignored_columns=ignored)
    ids: dict[str, int] = {}
    folders: dict[str, tuple[str, int]] = {}
    prev_end = header_line
    while True:
        line = prev_end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{where}, line {line}: not valid CSV ({exc})") from None
        prev_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise InputError(
                f"{where}, line {line}: {len(row)} fields but the header has {len(columns)} "
                f"(quote values that contain {_DELIM_WORDS[delimiter]})"
            )
        values = {c: row[i].strip() for c, i in seen_cols.items() if c in KNOWN and i < len(row)}
        entry = _entry(values, line, base_dir, where)
        if entry.student_id in ids:
            raise InputError(
                f"{where}, line {line}: duplicate student_id {entry.student_id!r} (first on line {ids[entry.student_id]})"
            )
        ids[entry.student_id] = line
        key = entry.folder.lower()
        if key in folders:
            other, other_line = folders[key]
            raise InputError(
                f"{where}, line {line}: student_id {entry.student_id!r} and {other!r} (line {other_line}) "
                f"would share the report folder students/{entry.folder}; make the ids differ in letters or digits"
            )
        folders[key] = (entry.student_id, line)
        roster.entries.append(entry)
    if not roster.entries:
        raise InputError(f"{where}: no students (only a header row)")
    return roster


_DELIM_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs"}


def _resolve(header: list[str]) -> list[str]:
    """Column names of the header cells. A column named exactly (`email`) wins over an alias of
    it (`Mail`), which is then an ignored column; two exact names are an error later."""
    columns = [normalise_header(h) for h in header]
    exact = {c for h, c in zip(header, columns, strict=True) if _plain(h) == c}
    return [c if c not in KNOWN or c not in exact or _plain(h) == c else f"({h.strip()})"
            for h, c in zip(header, columns, strict=True)]


def _plain(cell: str) -> str:
    return re.sub(r"[\s\-_]+", "_", cell.strip().lower()).strip("_")


def _header(reader) -> tuple[list[str] | None, int]:
    """The first non-blank row and its line number."""
    for row in reader:
        if any(cell.strip() for cell in row):
            return row, reader.line_num
    return None, 0


def _entry(values: dict[str, str], line: int, base_dir: Path, where: str) -> RosterEntry:
    sid = values.get(REQUIRED, "")
    if not sid:
        raise InputError(f"{where}, line {line}: empty student_id")
    if any(ord(ch) < 32 for ch in sid):
        raise InputError(f"{where}, line {line}: student_id {sid!r} contains control characters")

    def opt(key: str) -> str | None:
        return values.get(key) or None

    notebooks = opt("notebooks")
    regions = opt("regions")
    region_list = None
    if regions:  # names are checked later, per row (Roster entry access_problem)
        region_list = parse_regions(regions, f"{where}, line {line}: regions {regions!r}", known=False).as_list()
    return RosterEntry(
        line=line,
        student_id=sid,
        name=opt("name"),
        email=opt("email"),
        profile=opt("profile"),
        role_arn=opt("role_arn"),
        external_id=opt("external_id"),
        notebooks=(base_dir / Path(notebooks.replace("\\", "/"))) if notebooks else None,
        regions=region_list,
    )
