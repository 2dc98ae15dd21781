#!/usr/bin/env python3
"""Checks the expression function phone(number, region) against libphonenumber (PyPI phonenumbers).

Usage: python3 scripts/phone-check.py PATH/TO/crisp-bridge [--show-gaps N]

It installs nothing: scripts/test.sh installs the pinned phonenumbers first, the version
Sources/BridgeCore/Plan/PhoneMetadata.swift was generated from (the check refuses another version).

The corpus is generated, deterministically, from phonenumbers' own example numbers: for every region it
supports (and every non-geographic calling code), the example number of each type (fixed line, mobile, toll
free...) and a sibling (last digit changed), written the ways people and CRMs write them (E.164,
international, national with its trunk prefix, national digits without it, with 00 or the region's own
international prefix, spaces, dashes, dots, parentheses, "(0)", the calling code without "+"), plus messy
variants (spaces around, an extension, a digit too few or too many, letters, a label, full-width digits,
another region, no region), and libphonenumber's invalid example numbers.

libphonenumber's answer for (text, region) is parse(text, region), then E.164 if is_valid_number, else null.
is_valid_number, not is_possible_number: "possible" only checks the length, so it accepts numbers that
cannot exist (unassigned ranges, a number read in the wrong region whose length happens to fit), and those
are exactly the wrong numbers phone() must never put into Crisp. Validity checks the number against the
region's numbering plan (the patterns of its fixed-line, mobile, toll-free... ranges).

phone() runs through `crisp-bridge eval 'phone(n, r)' --lines -`. Our answer must equal libphonenumber's or
be null; a different non-null answer is a WRONG number: each is printed, and the exit status is 1.

Null is allowed for one input, not for many: a phone() that gave up on everything would never be wrong. So
the check also fails (exit status 1) below these minimums, set a little under what phone() achieves with
phonenumbers 9.0.43 (printed next to each figure; raise them when phone() improves, never lower them to pass):
- of the numbers libphonenumber accepts, the share phone() accepts too (99.80% now);
- of the numbers both accept, the share with the same E.164 (100%: anything else is a wrong number);
- of all inputs, the share where both agree (the same E.164, or both null) (99.85% now);
- the corpus itself (136771 inputs now), so that a generator that lost most of its cases cannot pass.

Two documented rules of phone() differ from parse(), so the reference follows them: the region is given in
any case ("fr"), libphonenumber gets it in upper case; with no region at all, a number starting with 00 is
read as international, and the reference is libphonenumber's reading of the same number with "+" for 00.
"""
import json
import pathlib
import re
import subprocess
import sys
from collections import Counter, defaultdict

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat, PhoneNumberType

TYPES = [
    PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER,
    PhoneNumberType.UAN, PhoneNumberType.VOICEMAIL,
]
REGIONS = sorted(pn.SUPPORTED_REGIONS)
# The ways of writing tried on numbers with a digit changed.
CHANGED_KINDS = {
    "e164", "e164 other region", "international", "00 international", "calling code without +", "national digits",
    "national", "+cc (trunk) national", "national digits with trunk", "national other region",
    "national in a sister region", "region's international prefix",
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# The minimums (see the docstring): a margin of about 0.1 point under what phone() achieves, about 100 inputs.
MIN_ACCEPTED_SHARE = 99.70  # % of the numbers libphonenumber accepts that phone() accepts too
MIN_AGREEMENT = 99.75  # % of all inputs where both give the same answer
MIN_INPUTS = 130_000


def reference(text, region):
    """libphonenumber's E.164 for the input, or None."""
    if region is not None:
        region = region.upper()  # phone() takes the region in any case, libphonenumber in upper case only
    stripped = text.strip()
    if region is None and stripped.startswith("00"):
        text = "+" + stripped[2:]  # phone()'s documented reading without a region
    try:
        number = pn.parse(text, region)
    except pn.NumberParseException:
        return None
    return pn.format_number(number, PhoneNumberFormat.E164) if pn.is_valid_number(number) else None


def sibling(number):
    """The same number with its last digit changed (often another valid number of the same range)."""
    copy = pn.PhoneNumber()
    copy.merge_from(number)
    copy.national_number = number.national_number - number.national_number % 10 + (number.national_number + 1) % 10
    return copy


def changed(number, position):
    """The number with the digit at `position` of its national number incremented (mostly other ranges)."""
    nsn = pn.national_significant_number(number)
    if position >= len(nsn):
        return None
    digits = nsn[:position] + str((int(nsn[position]) + 1) % 10) + nsn[position + 1:]
    copy = pn.PhoneNumber()
    copy.merge_from(number)
    copy.national_number = int(digits)
    return copy


def variants(number, region, index):
    """(kind, text, region) for one number of a region, written many ways."""
    cc = number.country_code
    e164 = pn.format_number(number, PhoneNumberFormat.E164)
    intl = pn.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    nat = pn.format_number(number, PhoneNumberFormat.NATIONAL)
    nsn = pn.national_significant_number(number)
    meta = pn.PhoneMetadata.metadata_for_region(region) if region else None
    other = REGIONS[(index + 7) % len(REGIONS)]
    out = [
        ("e164", e164, region), ("e164 without region", e164, None), ("e164 other region", e164, other),
        ("international", intl, region), ("international without region", intl, None),
        ("international dashes", intl.replace(" ", "-"), region),
        ("00 international", "00" + intl[1:], region), ("00 without region", "00" + intl[1:], None),
        ("calling code without +", f"{cc} {nsn}", region), ("national digits", nsn, region),
        ("e164 then spaces", f"  {e164}  ", region), ("tel: label", f"tel: {intl}", region),
        ("rfc3966", pn.format_number(number, PhoneNumberFormat.RFC3966), region),
        ("full-width digits", intl.translate(FULL_WIDTH), region),
        ("international ext.", f"{intl} ext. 12", region), ("e164 x", f"{e164} x 345", region),
        ("e164 ;ext=", f"{e164};ext=7", region), ("international extension", f"{intl} extension 9", region),
        ("international #", f"{intl} #12", region), ("e164 extn", f"{e164}extn:4", region),
        ("international a digit too few", intl[:-1], region), ("international a digit too many", intl + "5", region),
        ("e164 letter", e164[:-3] + "O" + e164[-2:], region), ("++ e164", "+" + e164, region),
        ("(+cc) national", f"(+{cc}) {nsn}", region), ("e164 / second", f"{e164} / x 12", region),
    ]
    if region:
        out += [
            ("national", nat, region), ("national lower-case region", nat, region.lower()),
            ("national dashes", re.sub(r"[ ]", "-", nat), region), ("national dots", re.sub(r"[ ]", ".", nat), region),
            ("national no spaces", re.sub(r"[ ]", "", nat), region),
            ("national nbsp", nat.replace(" ", "\u00a0"), region), ("national spaces around", f"  {nat} ", region),
            ("national ext.", f"{nat} ext. 12", region), ("national x", f"{nat}x12", region),
            ("national a digit too few", nat[:-1], region), ("national a digit too many", nat + "7", region),
            ("national letter", nat[:2] + "a" + nat[3:], region), ("national letters", nat + " abc", region),
            ("national without region", nat, None), ("national other region", nat, other),
            ("national digits other region", nsn, other), ("+ national", "+" + nat, region),
            ("national tab", nat.replace(" ", "\t", 1), region),
        ]
        groups = nat.split(" ")
        if len(groups) > 1:
            out.append(("national parentheses", f"({groups[0]}) {' '.join(groups[1:])}", region))
        prefix = meta.national_prefix if meta else None
        if prefix:
            out.append(("+cc (trunk) national", f"+{cc} ({prefix}) {intl.split(' ', 1)[1]}", region))
            out.append(("national digits with trunk", prefix + nsn, region))
        idd = meta.preferred_international_prefix or meta.international_prefix if meta else None
        if idd and re.fullmatch(r"[0-9]+", idd) and idd != "00":
            out.append(("region's international prefix", f"{idd} {intl[1:]}", region))
        for sister in pn.COUNTRY_CODE_TO_REGION_CODE.get(cc, ()):
            if sister not in (region, "001"):
                out.append(("national in a sister region", nat, sister))
    return out


def corpus():
    seen = set()
    items = []

    def add(kind, text, region):
        if (text, region) not in seen:
            seen.add((text, region))
            items.append((kind, text, region))

    for index, region in enumerate(REGIONS):
        for number_type in TYPES:
            example = pn.example_number_for_type(region, number_type)
            if example is None:
                continue
            for number in (example, sibling(example)):
                for kind, text, r in variants(number, region, index):
                    add(kind, text, r)
            for position in (1, 2, 3):
                number = changed(example, position)
                if number is not None:
                    for kind, text, r in variants(number, region, index):
                        if kind in CHANGED_KINDS:
                            add("digit changed, " + kind, text, r)
        invalid = pn.invalid_example_number(region)
        if invalid is not None:
            nat = pn.format_number(invalid, PhoneNumberFormat.NATIONAL)
            add("invalid example", nat, region)
            add("invalid example e164", pn.format_number(invalid, PhoneNumberFormat.E164), region)
    for index, cc in enumerate(sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS)):
        example = pn.example_number_for_non_geo_entity(cc)
        if example is None:
            continue
        for number in (example, sibling(example)):
            for kind, text, r in variants(number, None, index):
                add("non-geographic " + kind, text, r)
            add("non-geographic international, region", pn.format_number(number, PhoneNumberFormat.INTERNATIONAL),
                REGIONS[index])
    for text, region in [
        ("", "FR"), ("   ", "FR"), ("12", "FR"), ("+", None), ("00", None), ("0", "GB"), ("+44", None),
        ("not a number", "US"), ("1-800-FLOWERS", "US"), ("+1 800 FLOWERS", None), ("06 12 34 56 78", "ZZ"),
        ("+33 6 12 34 56 78", "ZZ"), ("+999 123 456 789", None), ("+0 6 12 34 56 78", "FR"),
        ("+33 6 12 34 56 78 / +33 6 12 34 56 79", None), ("06 12 34 56 78, 06 12 34 56 79", "FR"),
        ("+44 (0) 20 7946 0018", "GB"), ("+44 (0)20 7946 0018", None), ("(020) 7946 0018", "GB"),
        ("0044 20 7946 0018", "US"), ("011 44 20 7946 0018", "US"), ("8 800 555 35 35", "RU"),
        ("06 1 234 5678", "HU"), ("+52 1 55 1234 5678", None), ("044 55 1234 5678", "MX"),
        ("011 15 2345-6789", "AR"), ("+54 9 11 2345 6789", None), ("+54 11 15 2345 6789", None),
        ("02 1234 5678", "IT"), ("+39 02 1234 5678", None), ("+39 312 345 6789", None),
        ("+33612345678;ext=7#", None), ("+33 6 12 34 56 78 x 1234567890", None), ("+33 6 12 34 56 78 x", None),
        ("+33 6 12 34 56 78 ext. 12.", None), ("+1 415 555 0132 12#", None), ("+1 415 555 0132 - 12#", None),
        ("(+44) 20 7946 0018", None), ("+ 44 20 7946 0018", None), ("+44 20 7946 0018 (mobile)", None),
        ("07624 123456", "IM"), ("01481 123456", "GG"), ("+1 268 464 1234", "US"), ("268 464 1234", "AG"),
    ]:
        add("hand-written", text, region)
    return items


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    show_gaps = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--show-gaps" else 3
    table = pathlib.Path(__file__).resolve().parent.parent / "Sources/BridgeCore/Plan/PhoneMetadata.swift"
    generated = re.search(r'static let version = "([^"]+)"', table.read_text()).group(1)
    if generated != pn.__version__:
        sys.exit(
            f"phonenumbers {pn.__version__} is installed but {table.name} comes from {generated}: install "
            f"phonenumbers=={generated}, or regenerate with scripts/generate-phone-metadata.py")

    items = corpus()
    lines = "".join(json.dumps({"n": text, "r": region}) + "\n" for _, text, region in items)
    run = subprocess.run([binary, "eval", "phone(n, r)", "--lines", "-"], input=lines.encode(), capture_output=True)
    if run.returncode != 0:
        sys.exit(f"crisp-bridge eval failed ({run.returncode}): {run.stderr.decode()}")
    answers = [json.loads(line) for line in run.stdout.decode().splitlines()]
    if len(answers) != len(items):
        sys.exit(f"crisp-bridge eval gave {len(answers)} answers for {len(items)} inputs")

    agree = gaps = wrong = errors = rejected = also_rejected = accepted = also_accepted = same = 0
    gap_kinds = Counter()
    gap_examples = defaultdict(list)
    for (kind, text, region), ours in zip(items, answers):
        theirs = reference(text, region)
        if isinstance(ours, dict):
            errors += 1
            print(f"ERROR  {text!r} in {region}: {ours.get('error')}")
            continue
        if theirs is None:
            rejected += 1
            also_rejected += ours is None
        else:
            accepted += 1
            if ours is not None:
                also_accepted += 1
                same += ours == theirs
        if ours == theirs:
            agree += 1
        elif ours is None:
            gaps += 1
            gap_kinds[kind] += 1
            gap_examples[kind].append((text, region, theirs))
        else:
            wrong += 1
            print(f"WRONG  {text!r} in {region}: ours {ours}, libphonenumber {theirs}")

    def share(part, whole):
        return 100 * part / whole if whole else 0.0

    total = len(items)
    regions = len({r.upper() for _, _, r in items if r})
    accepted_share, same_share = share(also_accepted, accepted), share(same, also_accepted)
    agreement = share(agree, total)
    problems = []
    if wrong:
        problems.append(f"{wrong} wrong numbers")
    if errors:
        problems.append(f"{errors} errors from phone()")
    if total < MIN_INPUTS:
        problems.append(f"the corpus has {total} inputs, fewer than {MIN_INPUTS}")
    if accepted_share < MIN_ACCEPTED_SHARE:
        problems.append(f"phone() accepts {accepted_share:.2f}% of the numbers libphonenumber accepts, "
                        f"under the minimum {MIN_ACCEPTED_SHARE:.2f}%")
    if also_accepted == 0 or same != also_accepted:
        problems.append(f"phone() gives libphonenumber's number for {same_share:.2f}% of the numbers both accept, "
                        f"not 100%")
    if agreement < MIN_AGREEMENT:
        problems.append(f"phone() agrees with libphonenumber on {agreement:.2f}% of the inputs, "
                        f"under the minimum {MIN_AGREEMENT:.2f}%")

    print(f"phone() against libphonenumber (phonenumbers {pn.__version__}): {total} inputs (minimum {MIN_INPUTS}), "
          f"{regions} regions, {len(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS)} non-geographic calling codes")
    print(f"  agree (same E.164, or both null):     {agree} ({agreement:.2f}%, minimum {MIN_AGREEMENT:.2f}%)")
    print(f"  ours null, libphonenumber a number:   {gaps} ({share(gaps, total):.2f}%, allowed within the minimums)")
    print(f"  wrong (ours another number):          {wrong} (must be 0)")
    print(f"  errors from phone():                  {errors} (must be 0)")
    print(f"  libphonenumber accepts {accepted}; phone() accepts {also_accepted} of them "
          f"({accepted_share:.2f}%, minimum {MIN_ACCEPTED_SHARE:.2f}%)")
    print(f"  both accept {also_accepted}; the same E.164 for {same} of them ({same_share:.2f}%, must be 100%)")
    print(f"  libphonenumber rejects {rejected}; phone() rejects {also_rejected} of them")
    if gap_kinds:
        print("  gaps by way of writing: " + ", ".join(f"{k} {n}" for k, n in gap_kinds.most_common()))
        for kind, _ in gap_kinds.most_common(show_gaps):
            for text, region, theirs in gap_examples[kind][:show_gaps]:
                print(f"    gap  {kind}: {text!r} in {region} -> libphonenumber {theirs}")
    if problems:
        print("phone() check failed: " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
