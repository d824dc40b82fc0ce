#!/usr/bin/env python3
"""Prints a seed document split into numbered paragraphs, as citations count them.

Rule (the same as the provenance test's, tests/provenance/paragraphs.cc):
  - a line is blank when it holds only whitespace;
  - when the median length of the non-blank lines is over 200 characters, the
    document writes one paragraph per line: every non-blank line is a
    paragraph;
  - otherwise lines are wrapped, and a paragraph is a maximal run of
    non-blank lines.
Paragraphs are numbered from 1; a citation's locator "p8" is paragraph 8.

usage: paragraphs.py FILE [N ...]   (with N: print only those paragraphs)
"""
import sys


def paragraphs(text):
    lines = text.replace("\r\n", "\n").split("\n")
    blank = [not l.strip() for l in lines]
    lengths = sorted(len(l.strip()) for l, b in zip(lines, blank) if not b)
    # Upper median, the same as lengths[n / 2] in the C++ splitter.
    wrapped = not lengths or lengths[len(lengths) // 2] <= 200
    out, cur = [], []
    for line, b in zip(lines, blank):
        if b:
            if cur:
                out.append(" ".join(cur))
                cur = []
        elif wrapped:
            cur.append(line.strip())
        else:
            out.append(line.strip())
    if cur:
        out.append(" ".join(cur))
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        ps = paragraphs(f.read())
    want = {int(a) for a in sys.argv[2:]}
    for i, p in enumerate(ps, 1):
        if not want or i in want:
            print(f"p{i}: {p}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
