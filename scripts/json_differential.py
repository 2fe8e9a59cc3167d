#!/usr/bin/env python3
"""Differential check of the strict JSON reader (JSONCore.StrictJSON) against Python's json.

    scripts/json_differential.py INPUTS_DIR STRICT_DIR

STRICT_DIR holds, for each input the strict reader accepted, a file of the same name with
the value it read, written back out by JSONCore.JSONWriter. For each one, Python's json
reads the original input and the strict reader's rewrite, and both must give the same value:
whatever the strict reader accepts, Python reads the same. Python is made as strict as the
documented choices (README, "Request bodies"): the bytes must be UTF-8, duplicate object keys
are refused (object_pairs_hook), NaN and Infinity are refused (parse_constant), and decimal
numbers are read as Decimal (parse_float, in a context with the widest exponent range) so
that no digit is lost. Numbers compare by value (1.0 equals 1, 1e2 equals 100).

One difference is by design and counted apart, by name: a number whose exponent is beyond
even that range (|exponent| > 10^18, e.g. JSONTestSuite's i_number_huge_exp.json) cannot be
held by Decimal, so Python refuses it, while the strict reader keeps every number as its
literal text and leaves ranges to the body schemas (README, "Body schemas": ±2^53, amounts
at most 10^12). Such a file must then be refused by Python in the rewrite as well.
Exit 0 when every other file agrees; each disagreement is printed.
"""
import json
import os
import sys
import decimal
from decimal import Decimal

decimal.setcontext(decimal.Context(Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN))


class Refused(ValueError):
    pass


def no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Refused("duplicate key")
    return dict(pairs)


def no_constants(name):
    raise Refused(f"non-finite number {name}")


def read(data):
    """Python's reading of raw bytes, as strict as the documented choices."""
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises
    return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants, parse_float=Decimal)


def tagged(value):
    """A form in which equality is exact: bool is not 1, and numbers compare by value."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, Decimal)):
        return ("number", Decimal(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(tagged(item) for item in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, tagged(item)) for key, item in value.items())))
    raise TypeError(type(value))


BEYOND_DECIMAL = "beyond Decimal"


def compare(original, rewrite):
    """None when Python reads both the same, BEYOND_DECIMAL for a number Decimal cannot
    hold (in both), else why not."""
    try:
        expected = tagged(read(original))
    except decimal.InvalidOperation:
        try:
            read(rewrite)
        except decimal.InvalidOperation:
            return BEYOND_DECIMAL
        return "Python cannot hold a number of the input but reads the rewrite"
    except (ValueError, RecursionError) as error:
        return f"Python refuses what the strict reader accepted: {error}"
    try:
        actual = tagged(read(rewrite))
    except (ValueError, RecursionError, decimal.InvalidOperation) as error:
        return f"Python refuses the strict reader's rewrite: {error!r}"
    if expected != actual:
        return f"different values: Python {expected!r}, strict reader {actual!r}"
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    inputs, rewrites = argv[1], argv[2]
    sys.setrecursionlimit(10000)
    names = sorted(os.listdir(rewrites))
    if not names:
        print("json_differential: no accepted input to compare", file=sys.stderr)
        return 1
    problems = 0
    beyond = []
    for name in names:
        with open(os.path.join(inputs, name), "rb") as f:
            original = f.read()
        with open(os.path.join(rewrites, name), "rb") as f:
            rewrite = f.read()
        problem = compare(original, rewrite)
        if problem == BEYOND_DECIMAL:
            beyond.append(name)
        elif problem:
            problems += 1
            print(f"{name}: {problem}")
    for name in beyond:
        print(f"{name}: a number beyond Decimal's exponent range (by design, see the top of this script)")
    print(f"json_differential: {len(names) - problems - len(beyond)} same, {len(beyond)} beyond Decimal's range")
    print(f"json_differential: {len(names) - problems} passed, {problems} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
