#!/usr/bin/env python3
"""Writes a text PDF by hand (no libraries): N pages of prose, each page naming its number, with a document
information dictionary and a correct cross-reference table. Used for the ingestion benchmark (500 pages)
and as a known-good input: page k contains the line "Page k of N".

usage: make_test_pdf.py OUT.pdf [--pages 500] [--lines 46] [--seed 1] [--words prose|pseudo]
  --words pseudo: random syllable words, so a tokenizer's word cache cannot make counting look fast
"""
import argparse
import random

WORDS = ("attention compressed sparse window token cache expert router layer model prefill decode memory "
         "bandwidth kernel matrix vector latency throughput context budget citation document page file "
         "repository index quantised block scale activation residual normalisation rotary position "
         "the of and to in a is that for with as on by this are from be at an which").split()


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


SYLLABLES = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu za ze zi zo zu qua pre tri stro".split()


def pseudo_word(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))


def page_stream(number, total, lines, rng, pseudo):
    out = ["BT", "/F1 10 Tf", "12 TL", "56 780 Td", f"(Page {number} of {total}) Tj", "T*"]
    for _ in range(lines):
        pick = (lambda: pseudo_word(rng)) if pseudo else (lambda: rng.choice(WORDS))
        sentence = " ".join(pick() for _ in range(rng.randint(9, 14)))
        out.append(f"({escape(sentence.capitalize())}.) '")
    out.append("ET")
    return "\n".join(out).encode("latin-1")


def build(pages, lines, seed, pseudo=False):
    rng = random.Random(seed)
    objects = {}  # number -> bytes
    # 1 catalog, 2 pages tree, 3 font, 4 info; then per page: page object and its content stream.
    kids = []
    for k in range(pages):
        page_obj, content_obj = 5 + 2 * k, 6 + 2 * k
        kids.append(f"{page_obj} 0 R")
        stream = page_stream(k + 1, pages, lines, rng, pseudo)
        objects[content_obj] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
        objects[page_obj] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                             f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_obj} 0 R >>").encode()
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = (f"<< /Title (Fathom ingestion benchmark, {pages} pages) /Author (scripts/make_test_pdf.py) "
                  f"/CreationDate (D:20260101120000Z) >>").encode()
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(body)
        body += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(body)
    count = max(objects) + 1
    body += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for number in range(1, count):
        body += b"%010d 00000 n \n" % offsets[number]
    body += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
    return bytes(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--lines", type=int, default=46, help="prose lines per page (46 fill a Letter page)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--words", choices=["prose", "pseudo"], default="prose")
    args = parser.parse_args()
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    data = build(args.pages, args.lines, args.seed, args.words == "pseudo")
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"{args.out}: {args.pages} pages, {len(data)} bytes")


if __name__ == "__main__":
    main()
