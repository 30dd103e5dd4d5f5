"""Signing benchmark: the kit against raw signatures and botocore, in one run, same keys.

Prints signatures/s and URLs/s, the ratios, and whether each floor of issue 10 holds:
unique canned URLs with RSA-2048 >= 0.97x the raw sign() rate, with ECDSA P-256 >= 0.8x; a
100-image gallery under one wildcard custom policy >= 50x faster than botocore signing each
URL; one set of signed cookies for the whole gallery. Cases take turns batch by batch and
each ratio is the median of back-to-back pairs, so another process on the machine slows both
sides of a ratio alike.

    .venv/bin/python benchmarks/signing.py [--seconds 2]

Exit code 1 when a floor is missed.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from signed_urls import Policy, Signer, SigningKey
from signed_urls.policy import canned_statement

BASE = "https://d111111abcdef8.cloudfront.net"
GALLERY = 100
POOL = 50_000


@dataclass
class Measured:
    """Per case: the rate of each turn (ops/s), turns aligned across cases."""

    turns: dict[str, list[float]]

    def rate(self, name: str) -> float:
        """The median rate over all turns."""
        return statistics.median(self.turns[name])

    def ratio(self, ours: str, theirs: str) -> float:
        """The median of per-turn ratios: each pair ran back to back, under the same load."""
        pairs = zip(self.turns[ours], self.turns[theirs], strict=True)
        return statistics.median(mine / other for mine, other in pairs)


def measure(cases: dict[str, tuple[Callable[[int], None], int]], seconds: float) -> Measured:
    """The cases take turns, one batch (a few ms) each, for about ``seconds`` per case, so
    a load from elsewhere on the machine slows the members of a pair alike."""
    turns: dict[str, list[float]] = {name: [] for name in cases}
    spent = 0.0
    while spent < seconds * len(cases):
        for name, (work, batch) in cases.items():
            began = time.perf_counter()
            work(batch)
            took = time.perf_counter() - began
            turns[name].append(batch / took)
            spent += took
    return Measured(turns)


def url_cases(
    name: str, key: SigningKey, raw_sign: Callable[[bytes], Any], botocore: CloudFrontSigner
) -> dict[str, tuple[Callable[[int], None], int]]:
    """Raw sign() over prepared canned statements, the kit's canned URLs, botocore's; each
    from a pool of distinct URLs (a canned URL is never cached, so a repeat costs the same)."""
    signer = Signer(key)
    expires = int(time.time()) + 3600
    moment = datetime.fromtimestamp(expires, UTC)
    urls = [f"{BASE}/images/{i}.jpg" for i in range(POOL)]
    messages = [canned_statement(url, expires) for url in urls]
    next_url, next_message = itertools.cycle(urls).__next__, itertools.cycle(messages).__next__

    def raw(n: int) -> None:
        for _ in range(n):
            raw_sign(next_message())

    def kit(n: int) -> None:
        for _ in range(n):
            signer.url(next_url(), expires_at=expires)

    def boto(n: int) -> None:
        for _ in range(n):
            botocore.generate_presigned_url(next_url(), date_less_than=moment)

    batch = 10 if name == "RSA-2048" else 100
    return {
        f"{name} raw sign()": (raw, batch),
        f"{name} kit canned URL": (kit, batch),
        f"{name} botocore canned URL": (boto, batch),
    }


def gallery_cases(
    key: SigningKey, botocore: CloudFrontSigner
) -> dict[str, tuple[Callable[[int], None], int]]:
    """A 100-image gallery: the kit signs one wildcard policy per gallery (a new policy each
    time, so nothing is reused across galleries); botocore signs every URL."""
    signer = Signer(key)
    spaces = itertools.count()
    moment = datetime.fromtimestamp(int(time.time()) + 3600, UTC)

    def policy() -> tuple[Policy, list[str]]:
        space = next(spaces)
        prefix = f"{BASE}/spaces/{space}/"
        expires = int(time.time()) + 3600
        return Policy(prefix + "*", expires_at=expires), [
            f"{prefix}{i}.jpg" for i in range(GALLERY)
        ]

    def kit_urls(n: int) -> None:
        for _ in range(n):
            gallery_policy, urls = policy()
            signer.urls(urls, policy=gallery_policy)

    def kit_cookies(n: int) -> None:
        for _ in range(n):
            signer.cookies(policy()[0])

    def boto(n: int) -> None:
        for _ in range(n):
            for url in policy()[1]:
                botocore.generate_presigned_url(url, date_less_than=moment)

    return {
        "gallery: kit, one policy, 100 URLs": (kit_urls, 2),
        "gallery: kit, one set of cookies": (kit_cookies, 2),
        "gallery: botocore, 100 signed URLs": (boto, 1),
    }


def report(measured: Measured) -> bool:
    rates = {name: measured.rate(name) for name in measured.turns}
    for name, rate in rates.items():
        print(f"{name:<40} {rate:>12,.0f} /s")
    floors = [
        ("RSA-2048 kit canned URL", "RSA-2048 raw sign()", 0.97),
        ("ECDSA P-256 kit canned URL", "ECDSA P-256 raw sign()", 0.8),
        ("gallery: kit, one policy, 100 URLs", "gallery: botocore, 100 signed URLs", 50.0),
    ]
    print()
    met = True
    for ours, theirs, floor in floors:
        ratio = measured.ratio(ours, theirs)
        met &= ratio >= floor
        verdict = "ok" if ratio >= floor else "MISSED"
        print(f"{ours} / {theirs}: {ratio:.3f}x (floor {floor}x) {verdict}")
    for algorithm in ("RSA-2048", "ECDSA P-256"):
        raw, boto = f"{algorithm} raw sign()", f"{algorithm} botocore canned URL"
        kit = f"{algorithm} kit canned URL"
        print(
            f"{algorithm}: botocore {measured.ratio(boto, raw):.3f}x raw, "
            f"kit {measured.ratio(kit, boto):.2f}x botocore"
        )
    print(
        "gallery cookies: 1 signature, 4 cookies for all 100 images "
        f"({rates['gallery: kit, one set of cookies']:,.0f} sets/s)"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent per case")
    args = parser.parse_args()
    rsa_key = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), "KRSA1")
    ec_key = SigningKey(ec.generate_private_key(ec.SECP256R1()), "KECDSA1")
    rsa_private, ec_private = rsa_key.private_key, ec_key.private_key
    pkcs1, sha256, ecdsa = padding.PKCS1v15(), hashes.SHA256(), ec.ECDSA(hashes.SHA256())
    rsa_raw = lambda m: rsa_private.sign(m, pkcs1, sha256)  # noqa: E731
    ec_raw = lambda m: ec_private.sign(m, ecdsa)  # noqa: E731
    cases = {
        **url_cases("RSA-2048", rsa_key, rsa_raw, CloudFrontSigner("KRSA1", rsa_raw)),
        **url_cases("ECDSA P-256", ec_key, ec_raw, CloudFrontSigner("KECDSA1", ec_raw)),
        **gallery_cases(rsa_key, CloudFrontSigner("KRSA1", rsa_raw)),
    }
    print(
        f"hash SHA-256 everywhere; medians over turns, about {args.seconds}s per case; "
        "one process\n"
    )
    return 0 if report(measure(cases, args.seconds)) else 1


if __name__ == "__main__":
    sys.exit(main())
