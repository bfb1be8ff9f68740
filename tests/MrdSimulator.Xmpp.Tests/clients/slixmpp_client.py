#!/usr/bin/env python3
"""A Finesse-style notification client on slixmpp (Debian python3-slixmpp), driven by MrdSimulator.Xmpp.Tests.

Connects over plain TCP, authenticates (slixmpp picks SCRAM-SHA-1), binds, sends presence, subscribes to a node
and prints one line per event:  READY | EVENT {"node":…,"update":…} | FORBIDDEN {…} | AUTH_FAILED {…} | DONE {…}
"""
import argparse
import asyncio
import json
import sys
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

EVENT_NS = "http://jabber.org/protocol/pubsub#event"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"


def say(kind, payload=None):
    print(kind if payload is None else f"{kind} {json.dumps(payload)}", flush=True)


class FinesseClient(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.events = 0
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0199")
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_all_auth", self.on_auth_failed)
        self.add_event_handler("failed_auth", self.on_auth_failed)
        self.register_handler(Callback("finesse-event", MatchXPath(f"{{jabber:client}}message/{{{EVENT_NS}}}event"), self.on_event))

    async def on_start(self, _):
        self.send_presence()
        await self.get_roster()
        pubsub = self["xep_0060"]
        await pubsub.subscribe(self.args.pubsub, self.args.subscribe, subscribee=self.boundjid.full)
        if self.args.forbidden:
            try:
                await pubsub.subscribe(self.args.pubsub, self.args.forbidden, subscribee=self.boundjid.full)
                say("ALLOWED")
            except IqError as e:
                say("FORBIDDEN", {"condition": e.condition, "type": e.etype})
        say("READY", {"jid": self.boundjid.full})
        asyncio.get_event_loop().call_later(self.args.timeout, self.finish)

    def on_event(self, msg):
        items = msg.xml.find(f"{{{EVENT_NS}}}event/{{{EVENT_NS}}}items")
        for item in items.findall(f"{{{EVENT_NS}}}item"):
            notification = item.find(f"{{{PUBSUB_NS}}}notification")
            self.events += 1
            say("EVENT", {"node": items.get("node"), "item": item.get("id"), "to": msg["to"].full,
                          "from": msg["from"].full, "update": notification.text})
        if self.events >= self.args.expect:
            # Stay a little longer: a duplicate would show up as a second EVENT line.
            asyncio.get_event_loop().call_later(self.args.linger, self.finish)

    def on_auth_failed(self, _=None):
        say("AUTH_FAILED", {"condition": "not-authorized"})
        self.disconnect()
        asyncio.get_event_loop().call_later(0.5, lambda: sys.exit(3))

    def finish(self):
        say("DONE", {"events": self.events})
        self.disconnect()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--pubsub", required=True)
    parser.add_argument("--subscribe", required=True)
    parser.add_argument("--forbidden")
    parser.add_argument("--expect", type=int, default=1)
    parser.add_argument("--linger", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=12.0)
    args = parser.parse_args()

    client = FinesseClient(args)
    # SASL PLAIN is refused by slixmpp on an unencrypted stream, so SCRAM-SHA-1 is what runs here.
    client.connect((args.host, args.port), force_starttls=False, disable_starttls=True)
    client.loop.run_until_complete(client.disconnected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
