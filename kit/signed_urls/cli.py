"""signed-urls: sign, verify and smoke-test CloudFront signed URLs from a shell. Exit codes:
0 ok, 1 failed (refused, a smoke check failed, an AWS call failed), 2 bad input (one line
naming the field)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from signed_urls.errors import SigningInputError
from signed_urls.keys import HASH_ALGORITHMS, SigningKey
from signed_urls.policy import Policy
from signed_urls.secret import SecretKeySource, secrets_manager_client
from signed_urls.signer import Signer
from signed_urls.smoke import SmokeTarget, run_smoke
from signed_urls.verify import verify_cookies, verify_url


class BadInput(Exception):
    """Exit 2 with this one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadInput(message)


def _key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("signing key (the secret, or a PEM file)")
    group.add_argument("--secret-arn", help="the key pair product's secret (reads AWSCURRENT)")
    group.add_argument("--private-key", type=Path, metavar="FILE", help="PEM private key")
    group.add_argument("--key-pair-id", help="CloudFront public key ID, with --private-key")
    group.add_argument("--hash-algorithm", choices=HASH_ALGORITHMS, default="SHA256")
    _aws_options(parser)


def _aws_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS access (for --secret-arn and --stack)")
    group.add_argument("--region")
    group.add_argument("--profile")
    group.add_argument("--endpoint-url", help="e.g. a local AWS endpoint")


def _policy_options(parser: argparse.ArgumentParser, resource_required: bool) -> None:
    parser.add_argument("--expires-in", type=int, metavar="SECONDS", default=None)
    parser.add_argument("--expires-at", metavar="EPOCH|ISO-8601", default=None)
    parser.add_argument(
        "--resource",
        required=resource_required,
        metavar="PATTERN",
        help="custom policy resource (wildcards * and ?)",
    )
    parser.add_argument("--not-before", metavar="EPOCH|ISO-8601")
    parser.add_argument("--ip-range", metavar="CIDR", help="IPv4 address or CIDR range")


_COMMAND_HELP = {
    "url": "sign a URL (canned, or custom with --resource)",
    "cookies": "signed cookies for a resource pattern",
    "verify": "check a signed URL (or cookies) offline",
    "smoke": "check a provisioned stack end to end",
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="signed-urls", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in _COMMAND_HELP.items():
        commands.add_parser(name, help=text).add_argument(
            "--output", choices=("text", "json"), default="text"
        )
    url = commands.choices["url"]
    url.add_argument("url")
    _policy_options(url, resource_required=False)
    _key_options(url)
    cookies = commands.choices["cookies"]
    _policy_options(cookies, resource_required=True)
    cookies.add_argument("--domain", help="cookie Domain (your custom domain)")
    cookies.add_argument("--path", default="/", help="cookie Path (default /)")
    _key_options(cookies)
    verify = commands.choices["verify"]
    verify.add_argument("url")
    verify.add_argument("--public-key", action="append", required=True, metavar="[ID=]FILE")
    verify.add_argument("--cookie", action="append", default=[], metavar="NAME=VALUE")
    verify.add_argument("--client-ip")
    verify.add_argument("--now", type=int, metavar="EPOCH")
    smoke = commands.choices["smoke"]
    smoke.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="NAME",
        help="stack(s) whose outputs give BaseUrl, SecretArn, BucketName, "
        "BucketRegionalDomainName; repeat for each product's stack",
    )
    smoke.add_argument("--base-url", help="the distribution's BaseUrl")
    smoke.add_argument(
        "--bucket",
        help="the bucket (BucketName): the smoke test publishes its "
        "upload out of the inbox with your AWS credentials",
    )
    smoke.add_argument("--bucket-url", help="direct bucket URL (must be refused)")
    smoke.add_argument("--upload-prefix", default="uploads")
    smoke.add_argument("--expiry-seconds", type=int, default=10)
    _key_options(smoke)
    return parser


def _session(args: argparse.Namespace) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if args.region:
        settings["region_name"] = args.region
    if args.endpoint_url:
        settings["endpoint_url"] = args.endpoint_url
    return settings


def _aws_client(service: str, args: argparse.Namespace) -> Any:
    try:
        import boto3  # type: ignore[import-untyped]
    except ImportError:
        raise BadInput(f"--{service}: needs boto3: pip install 'signed-urls-kit[aws]'") from None
    session = boto3.Session(profile_name=args.profile) if args.profile else boto3.Session()
    return session.client(service, **_session(args))


def _signer(args: argparse.Namespace, secret_arn: str | None = None) -> Signer:
    secret_arn = args.secret_arn or secret_arn
    if args.private_key is not None:
        if secret_arn and args.secret_arn:
            raise BadInput("--private-key: give either --private-key or --secret-arn")
        if not args.key_pair_id:
            raise BadInput("--key-pair-id: required with --private-key")
        key = SigningKey.from_pem(_read(args.private_key, "--private-key"), args.key_pair_id)
        return Signer(key, hash_algorithm=args.hash_algorithm)
    if not secret_arn:
        raise BadInput("--secret-arn: required (or --private-key with --key-pair-id)")
    client = (
        _aws_client("secretsmanager", args)
        if args.profile or args.endpoint_url or args.region
        else secrets_manager_client(secret_arn)
    )
    return Signer(SecretKeySource(secret_arn, client=client), hash_algorithm=args.hash_algorithm)


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInput(f"{option}: cannot read {path}: {error.strerror}") from None


def _moment(text: str | None, option: str) -> int | datetime | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{option}: {text!r} is neither epoch seconds nor ISO-8601") from None


def _expiry(args: argparse.Namespace) -> int | datetime:
    if args.expires_in is not None and args.expires_at is not None:
        raise BadInput("--expires-at: give either --expires-in or --expires-at")
    if args.expires_at is not None:
        moment = _moment(args.expires_at, "--expires-at")
        assert moment is not None
        return moment
    seconds = 300 if args.expires_in is None else args.expires_in
    if seconds <= 0:
        raise BadInput(f"--expires-in: {seconds} must be more than 0 seconds")
    return int(time.time()) + seconds


def _policy(args: argparse.Namespace, resource: str) -> Policy:
    return Policy(
        resource=resource,
        expires_at=_expiry(args),
        not_before=_moment(args.not_before, "--not-before"),
        ip_range=args.ip_range,
    )


def _emit(args: argparse.Namespace, text: str, document: dict[str, Any]) -> None:
    print(json.dumps(document, indent=2) if args.output == "json" else text)


def cmd_url(args: argparse.Namespace) -> int:
    signer = _signer(args)
    if args.resource or args.not_before or args.ip_range:
        policy = _policy(args, args.resource or args.url)
        signed, expires = signer.url(args.url, policy=policy), policy.expires_at
    else:
        expires = _expiry(args)
        signed = signer.url(args.url, expires_at=expires)
    _emit(
        args, signed, {"url": signed, "key_pair_id": signer.key.key_pair_id, "expires_at": expires}
    )
    return 0


def cmd_cookies(args: argparse.Namespace) -> int:
    signer = _signer(args)
    policy = _policy(args, args.resource)
    cookies = signer.cookies(policy)
    headers = signer.cookie_headers(policy, domain=args.domain, path=args.path)
    text = "\n".join(f"Set-Cookie: {header}" for header in headers)
    _emit(args, text, {"cookies": cookies, "set_cookie": headers, "expires_at": policy.expires_at})
    return 0


def _public_keys(values: Sequence[str], url: str, cookies: dict[str, str]) -> dict[str, bytes]:
    """``ID=FILE`` binds a file to a key ID; a bare ``FILE`` to the ID the URL names."""
    named = url.partition("Key-Pair-Id=")[2].split("&")[0] or cookies.get(
        "CloudFront-Key-Pair-Id", ""
    )
    keys: dict[str, bytes] = {}
    for value in values:
        key_id, _, path = value.rpartition("=")
        keys[key_id or named or "(none)"] = _read(Path(path), "--public-key")
    return keys


def cmd_verify(args: argparse.Namespace) -> int:
    cookies: dict[str, str] = {}
    for pair in args.cookie:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise BadInput(f"--cookie: {pair!r} must be NAME=VALUE")
        cookies[name] = value
    keys = _public_keys(args.public_key, args.url, cookies)
    try:
        if cookies:
            verdict = verify_cookies(
                args.url, cookies, keys, now=args.now, client_ip=args.client_ip
            )
        else:
            verdict = verify_url(args.url, keys, now=args.now, client_ip=args.client_ip)
    except ValueError as error:  # a file that is no PEM public key
        raise BadInput(f"--public-key: not a PEM public key ({error})") from None
    _emit(
        args,
        f"{'ok' if verdict.ok else 'refused'}: {verdict.reason}",
        {
            "ok": verdict.ok,
            "reason": verdict.reason,
            "key_pair_id": verdict.key_pair_id,
            "error_code": verdict.error_code,
        },
    )
    return 0 if verdict.ok else 1


def _stack_outputs(args: argparse.Namespace) -> dict[str, str]:
    outputs: dict[str, str] = {}
    if not args.stack:
        return outputs
    cloudformation = _aws_client("cloudformation", args)
    for name in args.stack:
        [stack] = cloudformation.describe_stacks(StackName=name)["Stacks"]
        for output in stack.get("Outputs", []):
            outputs.setdefault(output["OutputKey"], output["OutputValue"])
    return outputs


def cmd_smoke(args: argparse.Namespace) -> int:
    outputs = _stack_outputs(args)
    base_url = args.base_url or outputs.get("BaseUrl")
    if not base_url:
        raise BadInput("--base-url: required (or a --stack with a BaseUrl output)")
    bucket_url = args.bucket_url or (
        f"https://{outputs['BucketRegionalDomainName']}"
        if "BucketRegionalDomainName" in outputs
        else None
    )
    if args.expiry_seconds < 1:
        raise BadInput(f"--expiry-seconds: {args.expiry_seconds} must be at least 1")
    bucket = args.bucket or outputs.get("BucketName")
    if not bucket:
        raise BadInput("--bucket: required (or a --stack with a BucketName output)")
    signer = _signer(args, outputs.get("SecretArn"))
    target = SmokeTarget(base_url, bucket, bucket_url, args.upload_prefix)
    s3 = _aws_client("s3", args)
    checks = run_smoke(signer, target, s3, expiry_seconds=args.expiry_seconds)
    text = "\n".join(f"{'PASS' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in checks)
    _emit(args, text, {"ok": all(c.ok for c in checks), "checks": [c.__dict__ for c in checks]})
    return 0 if all(c.ok for c in checks) else 1


_COMMANDS = {"url": cmd_url, "cookies": cmd_cookies, "verify": cmd_verify, "smoke": cmd_smoke}
_OPTION_NAMES = {  # API argument names in SigningInputError messages -> the CLI's names
    "resource": "--resource",
    "expires_at": "--expires-at",
    "expires_in": "--expires-in",
    "not_before": "--not-before",
    "ip_range": "--ip-range",
    "key_pair_id": "--key-pair-id",
    "private_key_pem": "--private-key",
    "private_key": "--private-key",
    "url": "URL",
    "base_url": "--base-url",
    "secret_arn": "--secret-arn",
    "policy": "--expires-at",
}


def _cli_message(error: SigningInputError) -> str:
    name, sep, rest = str(error).partition(":")
    return f"{_OPTION_NAMES.get(name, name)}{sep}{rest}"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except BadInput as error:
        print(f"signed-urls: error: {error}", file=sys.stderr)
    except SigningInputError as error:
        print(f"signed-urls: error: {_cli_message(error)}", file=sys.stderr)
    except Exception as error:  # AWS or network: one line, exit 1, no traceback
        print(
            f"signed-urls: failed: {type(error).__name__}: {' '.join(str(error).split())}",
            file=sys.stderr,
        )
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
