#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets (see scripts/fuzz.sh).

usage: make_seeds.py LLHTTP_DIR OUT_DIR
Creates OUT_DIR/request (every ```http block of llhttp's markdown cases, decoded by
llhttp's rules), OUT_DIR/chunked (the bodies of those with Transfer-Encoding: chunked)
and OUT_DIR/response (a few response literals).
"""
import hashlib
import pathlib
import re
import sys


def decode_http(lines):
    """llhttp's input rules: a line break is CRLF, a trailing backslash joins two lines,
    and \\r \\n \\t \\f \\xNN and octal \\NNN are single bytes."""
    text = b""
    for index, line in enumerate(lines):
        raw = line.encode()
        if index < len(lines) - 1 and raw.endswith(b"\\"):
            text += raw[:-1]
        else:
            text += raw + (b"\r\n" if index < len(lines) - 1 else b"")
    simple = {ord("r"): 13, ord("n"): 10, ord("t"): 9, ord("f"): 12}
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] != ord("\\") or i + 1 >= len(text):
            out.append(text[i])
            i += 1
        elif text[i + 1] in simple:
            out.append(simple[text[i + 1]])
            i += 2
        elif text[i + 1] == ord("x") and re.fullmatch(rb"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif re.fullmatch(rb"[0-7]{3}", text[i + 1:i + 4]):
            out.append(int(text[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(text[i])
            i += 1
    return bytes(out)


def http_blocks(markdown):
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "```http":
            end = lines.index("```", i + 1)
            yield decode_http(lines[i + 1:end])
            i = end
        i += 1


RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: 1\r\nContent-Length: 11\r\n\r\n{\"id\":\"1\"}\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6;q=\"x\\\"y\"\r\n world\r\n0\r\nT: v\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nclose-delimited body",
    b"HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 10\r\n\r\n",
    b"HTTP/1.1 404\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nnot",
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
]


def write(directory, data):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    llhttp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for path in sorted(llhttp.glob("*.md")):
        for block in http_blocks(path.read_text()):
            write(out / "request", block)
            head, sep, body = block.partition(b"\r\n\r\n")
            if sep and re.search(rb"(?im)^transfer-encoding:.*chunked", head):
                write(out / "chunked", body)
    for response in RESPONSES:
        write(out / "response", response)
    for name in ("request", "chunked", "response"):
        print(f"{name}: {len(list((out / name).iterdir()))} seeds")


if __name__ == "__main__":
    main()
