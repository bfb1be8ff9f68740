// A Finesse-style notification client on @xmpp/client over WebSocket (RFC 7395), driven by MrdSimulator.Xmpp.Tests.
// Prints one line per step: READY | EVENT {...} | FORBIDDEN {...} | AUTH_FAILED {...} | DONE {...} | STOPPED {clean} | STOP_FAILED {...}
import { client, xml } from "@xmpp/client";
import { parseArgs } from "node:util";
import WebSocket from "ws";

// Node 20 has no global WebSocket (Node 22 does); @xmpp/websocket uses the global one.
globalThis.WebSocket ??= WebSocket;

const { values: args } = parseArgs({
  options: {
    service: { type: "string" },
    domain: { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    resource: { type: "string", default: "ws-test" },
    pubsub: { type: "string" },
    subscribe: { type: "string" },
    forbidden: { type: "string" },
    expect: { type: "string", default: "1" },
    linger: { type: "string", default: "1000" },
    timeout: { type: "string", default: "12000" },
  },
});

const say = (kind, payload) => console.log(payload === undefined ? kind : `${kind} ${JSON.stringify(payload)}`);
const xmpp = client({
  service: args.service,
  domain: args.domain,
  resource: args.resource,
  username: args.username,
  password: args.password,
});
xmpp.reconnect.stop();

let events = 0;
let finished = false;
let disconnect = null;
xmpp.on("disconnect", ({ clean }) => (disconnect = { clean }));
async function finish(code = 0) {
  if (finished) return;
  finished = true;
  say("DONE", { events });
  try {
    await xmpp.stop();
    // A reset after the close would surface as an error event a moment later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    say("STOPPED", disconnect ?? {});
  } catch (err) {
    // After a failed sign-in the connection is already closed.
    say("STOP_FAILED", { message: String(err) });
  }
  process.exit(code);
}

xmpp.on("error", (err) => {
  if (err?.condition === "not-authorized" || err?.name === "SASLError") {
    say("AUTH_FAILED", { condition: err.condition });
    finish(3);
  } else {
    say("ERROR", { message: String(err) });
  }
});

xmpp.on("stanza", (stanza) => {
  if (!stanza.is("message")) return;
  const items = stanza.getChild("event", "http://jabber.org/protocol/pubsub#event")?.getChild("items");
  if (!items) return;
  for (const item of items.getChildren("item")) {
    const notification = item.getChild("notification", "http://jabber.org/protocol/pubsub");
    events++;
    say("EVENT", {
      node: items.attrs.node,
      item: item.attrs.id,
      to: stanza.attrs.to,
      from: stanza.attrs.from,
      update: notification.text(),
    });
  }
  if (events >= Number(args.expect)) setTimeout(finish, Number(args.linger));
});

xmpp.on("online", async (address) => {
  await xmpp.send(xml("presence"));
  const subscribe = (node) =>
    xmpp.iqCaller.request(
      xml("iq", { type: "set", to: args.pubsub },
        xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("subscribe", { node, jid: address.toString() }))),
    );
  await subscribe(args.subscribe);
  if (args.forbidden) {
    try {
      await subscribe(args.forbidden);
      say("ALLOWED");
    } catch (err) {
      say("FORBIDDEN", { condition: err.condition, type: err.type });
    }
  }
  say("READY", { jid: address.toString() });
  setTimeout(finish, Number(args.timeout));
});

try {
  await xmpp.start();
} catch (err) {
  if (err?.condition === "not-authorized" || err?.name === "SASLError") {
    say("AUTH_FAILED", { condition: err.condition });
    await finish(3);
  } else {
    say("ERROR", { message: String(err) });
    await finish(2);
  }
}
