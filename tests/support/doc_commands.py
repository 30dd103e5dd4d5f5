"""Shell commands shown in the docs, checked against what they call.

``commands(markdown)`` reads every ```sh block (backslash continuations joined, comments and
``VAR=value`` prefixes dropped) into argument lists. ``check(argv)`` checks one:

- ``aws SERVICE OPERATION --flag ...``: the operation and every flag exist in botocore's model of
  the service (the AWS CLI derives both from it), required members are given (idempotency tokens
  excepted: the CLI fills them), enum values are allowed, and ``Key=...,Value=...`` shorthand
  names only members of the list's structure;
- ``portfolio ...`` and ``signed-urls ...``: the project's own argparse parsers accept it;
- ``make TARGET``: the Makefile has the target; ``pip install ./PATH[extra]``: the project and
  its extras exist.

Anything else is reported as unchecked, so a test can pin the few programs it lets through.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import ListShape, OperationModel, ServiceModel, StructureShape

from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.paths import REPO_ROOT

_SHELL_BLOCK = re.compile(r"^ *```(?:sh|bash|shell)\n(.*?)^ *```", re.S | re.M)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: AWS CLI options valid with every operation, and whether each takes a value.
_AWS_GLOBAL = {
    "--profile": True,
    "--region": True,
    "--output": True,
    "--query": True,
    "--endpoint-url": True,
    "--no-cli-pager": False,
    "--no-paginate": False,
    "--debug": False,
    "--cli-input-json": True,
}
#: AWS CLI service names that differ from botocore's.
_AWS_SERVICES = {"s3api": "s3"}


@dataclass(frozen=True)
class Command:
    """One command of a shell block: its arguments and the text it came from."""

    argv: tuple[str, ...]
    text: str

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1]


def commands(markdown: str) -> list[Command]:
    """Every command in the ```sh blocks of ``markdown``, in order."""
    found = []
    for block in _SHELL_BLOCK.findall(markdown):
        for line in block.replace("\\\n", " ").splitlines():
            for argv in _pipeline(line):
                while argv and (_ASSIGNMENT.match(argv[0]) or argv[0] == "export"):
                    argv = argv[1:]  # an environment assignment, or `export NAME=value`
                if argv:
                    found.append(Command(tuple(argv), line.strip()))
    return found


def _pipeline(line: str) -> list[list[str]]:
    """The commands of one shell line, split at ``|``, ``&&``, ``||`` and ``;``, without
    redirections (``> file``)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts: list[list[str]] = [[]]
    redirect = False
    for token in lexer:
        if token in ("|", "&&", "||", ";"):
            parts.append([])
        elif token in (">", ">>", "<", "2>"):
            redirect = True
        elif redirect:
            redirect = False  # the file a redirection names
        else:
            parts[-1].append(token)
    return parts


def option_values(command: Command, flag: str) -> list[str]:
    """The words after ``flag`` up to the next option."""
    argv = list(command.argv)
    start = argv.index(flag) + 1
    end = next((i for i in range(start, len(argv)) if argv[i].startswith("--")), len(argv))
    return argv[start:end]


def shorthand_pairs(values: list[str]) -> dict[str, str]:
    """``Key=A,Value=b`` words (AWS CLI shorthand) -> {A: b}; ``UsePreviousValue=true`` keeps
    the previous value (shown as None)."""
    pairs: dict[str, Any] = {}
    for value in values:
        fields = dict(field.split("=", 1) for field in value.split(","))
        pairs[fields["Key"]] = fields.get("Value")
    return pairs


def check(command: Command) -> list[str] | None:
    """Problems with ``command`` (empty: fine), or None for a program this module cannot check."""
    checkers = {
        "aws": _check_aws,
        "portfolio": _check_portfolio,
        "signed-urls": _check_kit,
        "make": _check_make,
        "pip": _check_pip,
    }
    checker = checkers.get(command.program)
    return None if checker is None else checker(list(command.argv[1:]))


# --- aws ----------------------------------------------------------------------------------------


@cache
def _service(name: str) -> ServiceModel | None:
    session = botocore.session.get_session()
    name = _AWS_SERVICES.get(name, name)
    if name not in session.get_available_services():
        return None
    return session.get_service_model(name)


def _operation(service: ServiceModel, cli_name: str) -> OperationModel | None:
    for name in service.operation_names:
        if xform_name(name, "-") == cli_name:
            return service.operation_model(name)
    return None


def _split_options(args: list[str]) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Positional words, ``--flag`` -> its values, and global options misused."""
    words: list[str] = []
    options: dict[str, list[str]] = {}
    problems: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("--"):
            words.append(arg)
            continue
        values = []
        while index < len(args) and not args[index].startswith("--"):
            values.append(args[index])
            index += 1
        if arg in _AWS_GLOBAL and _AWS_GLOBAL[arg] != bool(values):
            problems.append(f"{arg}: {'needs a value' if _AWS_GLOBAL[arg] else 'takes none'}")
        options[arg] = values
    return words, options, problems


def _check_aws(args: list[str]) -> list[str]:
    words, options, problems = _split_options(args)
    if len(words) != 2:
        return [f"expected `aws SERVICE OPERATION`, got words {words}"]
    service = _service(words[0])
    if service is None:
        return [f"no AWS service {words[0]!r} in botocore"]
    operation = _operation(service, words[1])
    if operation is None:
        return [f"{words[0]} has no operation {words[1]!r}"]
    shape = operation.input_shape
    members = {} if shape is None else dict(shape.members)
    by_flag = {xform_name(name, "-"): name for name in members}
    given = set()
    for flag, values in options.items():
        if flag in _AWS_GLOBAL:
            continue
        name = by_flag.get(flag[2:]) or by_flag.get(flag.removeprefix("--no-"))
        if name is None:
            problems.append(f"{operation.name} has no parameter {flag}")
            continue
        given.add(name)
        problems.extend(_check_values(flag, members[name], values))
    from_file = "--cli-input-json" in options  # the request comes from a document
    for name in shape.required_members if shape is not None and not from_file else ():
        if name not in given and not members[name].metadata.get("idempotencyToken"):
            problems.append(f"{operation.name} requires --{xform_name(name, '-')}")
    return problems


def _check_values(flag: str, shape: Any, values: list[str]) -> list[str]:
    """Enum values and the member names of ``Key=...,Value=...`` shorthand."""
    if shape.type_name == "boolean":
        return [f"{flag} takes no value"] if values else []
    if not values:
        return [f"{flag} needs a value"]
    if getattr(shape, "enum", None) and values[0] not in shape.enum:
        return [f"{flag} {values[0]}: not one of {shape.enum}"]
    element = shape.member if isinstance(shape, ListShape) else shape
    if not isinstance(element, StructureShape):
        return []
    problems = []
    for value in values:
        if value.startswith(("{", "[", "file://")):
            continue  # JSON or a file: not shorthand
        for pair in _top_level(value):
            key = pair.split("=", 1)[0]
            if "=" not in pair or key not in element.members:
                problems.append(f"{flag} {value}: {key!r} is not one of {list(element.members)}")
    return problems


def _top_level(value: str) -> list[str]:
    """``value`` split at the commas outside ``{}`` and ``[]`` (nested shorthand)."""
    parts, depth, current = [], 0, ""
    for char in value:
        depth += char in "{["
        depth -= char in "}]"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


# --- the project's own commands ---------------------------------------------------------------


def _argparse_problems(parse: Any, args: list[str]) -> list[str]:
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            parse(args)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            return [stderr.getvalue().strip().splitlines()[-1]]
    except Exception as error:
        return [str(error)]
    return []


def _check_portfolio(args: list[str]) -> list[str]:
    from portfolio.cli import parser

    return _argparse_problems(parser().parse_args, args)


def _check_kit(args: list[str]) -> list[str]:
    from signed_urls.cli import build_parser

    return _argparse_problems(build_parser().parse_args, args)


def _check_make(args: list[str]) -> list[str]:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    return [f"the Makefile has no target {arg!r}" for arg in args if arg not in targets]


def _check_pip(args: list[str]) -> list[str]:
    """``pip install ./PATH[extra]``: the local project and its extras exist."""
    import tomllib

    problems = []
    for arg in args[1:]:
        match = re.fullmatch(r"\./([\w/-]+)(?:\[([\w,]+)\])?", arg)
        if not match:
            continue  # an option, or a package from the registry
        pyproject = REPO_ROOT / match.group(1) / "pyproject.toml"
        if not pyproject.is_file():
            problems.append(f"{arg}: no {pyproject.relative_to(REPO_ROOT)}")
            continue
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        extras = project.get("optional-dependencies", {})
        for extra in (match.group(2) or "").split(","):
            if extra and extra not in extras:
                problems.append(f"{arg}: no extra {extra!r} (has {sorted(extras)})")
    return problems


#: Pseudo parameters of a provisioned product's stack, for evaluating a launch's Rules.
PSEUDO = {
    "AWS::AccountId": "111122223333",
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::StackName": "SC-111122223333-pp-abcdefghijklm",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/SC-111122223333-pp-"
    "abcdefghijklm/1a2b3c4d-0000-1111-2222-333344445555",
}


def launch_refusals(template: dict[str, Any], parameters: dict[str, str]) -> list[str]:
    """What CloudFormation would refuse: a constraint per parameter, then the Rules."""
    refused = []
    for name, value in parameters.items():
        spec = template["Parameters"][name]
        items = value.split(",") if spec.get("Type") == "CommaDelimitedList" else [value]
        for item in items:
            if "AllowedValues" in spec and item not in spec["AllowedValues"]:
                refused.append(f"{name}={item}: not in AllowedValues")
            if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], item):
                refused.append(f"{name}={item}: does not match AllowedPattern")
    return refused + ResolvedTemplate(template, {**PSEUDO, **parameters}).rule_failures()
