// A client on StanzaJS over WebSocket (RFC 7395), driven by MrdSimulator.Xmpp.Tests: signs in, then disconnects.
// Prints: READY {jid} | DISCONNECTED | ERROR {...} (anything StanzaJS reports, console.error included)
import * as XMPP from "stanza";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    service: { type: "string" },
    jid: { type: "string" },
    password: { type: "string" },
    resource: { type: "string", default: "stanza-test" },
    timeout: { type: "string", default: "12000" },
  },
});

const say = (kind, payload) => console.log(payload === undefined ? kind : `${kind} ${JSON.stringify(payload)}`);
// StanzaJS reports socket errors (a reset, for one) only through console.error.
console.error = (...parts) => say("ERROR", { message: parts.map(String).join(" ") });

const client = XMPP.createClient({
  jid: args.jid,
  password: args.password,
  resource: args.resource,
  transports: { websocket: args.service, bosh: false },
});
client.on("stream:error", (error) => say("ERROR", { condition: error.condition, text: error.text }));
client.on("auth:failed", () => {
  say("ERROR", { message: "authentication failed" });
  process.exit(3);
});
client.on("session:started", async () => {
  say("READY", { jid: client.jid });
  const disconnected = new Promise((resolve) => client.once("disconnected", resolve));
  await client.disconnect();
  await disconnected;
  // A reset after the close would surface as a socket error a moment later.
  await new Promise((resolve) => setTimeout(resolve, 300));
  say("DISCONNECTED");
  process.exit(0);
});
setTimeout(() => {
  say("ERROR", { message: "timed out" });
  process.exit(2);
}, Number(args.timeout));
client.connect();
