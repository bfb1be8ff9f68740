#!/usr/bin/env python3
"""Checks what the simulator wrote with expat, the parser slixmpp reads XMPP with (through xml.etree).

Reads a JSON file of [{"name": ..., "kind": ..., "base64": ...}] and prints one line per item, "OK <name>" or
"BAD <name>: <expat's message>", then DONE {"bad": n}. Kinds:
  document  one XML document (a REST body, a WebSocket message, a BOSH body);
  stanzas   what follows the stream header of XMPP over TCP, parsed inside an open root as a streaming client does;
  sse       a server-sent events stream: the data of every update event (its data lines joined with LF) is a document.
"""
import base64
import json
import sys
import xml.parsers.expat

STREAM_OPEN = b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"


def document(data):
    xml.parsers.expat.ParserCreate(namespace_separator=" ").Parse(data, True)


def stanzas(data):
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.Parse(STREAM_OPEN, False)
    parser.Parse(data, False)


def sse(data):
    updates = 0
    name, lines = None, None
    for line in data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if lines is not None and name == "update":
                document("\n".join(lines).encode("utf-8"))
                updates += 1
            name, lines = None, None
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                lines = (lines or []) + [value]
            elif field == "event":
                name = value
    if updates == 0:
        raise ValueError("no update event in the stream")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        items = json.load(f)
    bad = 0
    for item in items:
        try:
            {"document": document, "stanzas": stanzas, "sse": sse}[item["kind"]](base64.b64decode(item["base64"]))
            print(f"OK {item['name']}", flush=True)
        except (xml.parsers.expat.ExpatError, ValueError) as e:
            bad += 1
            print(f"BAD {item['name']}: {e}", flush=True)
    print(f"DONE {json.dumps({'bad': bad})}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
