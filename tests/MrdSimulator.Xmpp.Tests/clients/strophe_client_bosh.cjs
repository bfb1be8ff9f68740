// A Finesse-style notification client on Strophe.js over BOSH (XEP-0124/0206) under Node, driven by
// MrdSimulator.Xmpp.Tests. Strophe's Node build brings its DOM (@xmldom/xmldom); BOSH needs XMLHttpRequest,
// provided by the xmlhttprequest package with responseXML parsed by xmldom (Strophe reads responseXML).
// Prints: READY | EVENT {...} | FORBIDDEN {...} | AUTH_FAILED {...} | DONE {...}
const { parseArgs } = require("node:util");
const { XMLHttpRequest: NodeXHR } = require("xmlhttprequest");
const { DOMParser } = require("@xmldom/xmldom");

globalThis.XMLHttpRequest = function XMLHttpRequest() {
  const xhr = new NodeXHR();
  Object.defineProperty(xhr, "responseXML", {
    get() {
      return xhr.responseText ? new DOMParser().parseFromString(xhr.responseText, "text/xml") : null;
    },
    set() {
      // xmlhttprequest resets it to ""; the getter always derives it from responseText.
    },
  });
  return xhr;
};

const { Strophe, $iq, $pres } = require("strophe.js");

const { values: args } = parseArgs({
  options: {
    service: { type: "string" },
    jid: { type: "string" },
    password: { type: "string" },
    pubsub: { type: "string" },
    subscribe: { type: "string" },
    forbidden: { type: "string" },
    expect: { type: "string", default: "1" },
    linger: { type: "string", default: "1000" },
    timeout: { type: "string", default: "12000" },
  },
});

const say = (kind, payload) => console.log(payload === undefined ? kind : `${kind} ${JSON.stringify(payload)}`);
const connection = new Strophe.Connection(args.service);
let events = 0;
let finished = false;

function finish(code = 0) {
  if (finished) return;
  finished = true;
  say("DONE", { events });
  try {
    connection.disconnect();
  } catch {
    // Already gone.
  }
  setTimeout(() => process.exit(code), 300);
}

function subscribe(node) {
  return new Promise((resolve, reject) => {
    const iq = $iq({ type: "set", to: args.pubsub })
      .c("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" })
      .c("subscribe", { node, jid: connection.jid });
    connection.sendIQ(iq, resolve, (error) => {
      const condition = error?.getElementsByTagName("error")[0];
      const child = condition ? Array.from(condition.childNodes).find((n) => n.nodeType === 1) : null;
      reject({ condition: child?.localName ?? child?.nodeName ?? "timeout", type: condition?.getAttribute("type") });
    }, 10000);
  });
}

connection.addHandler((message) => {
  const items = message.getElementsByTagName("items")[0];
  if (!items) return true;
  for (const item of Array.from(items.getElementsByTagName("item"))) {
    const notification = item.getElementsByTagName("notification")[0];
    events++;
    say("EVENT", {
      node: items.getAttribute("node"),
      item: item.getAttribute("id"),
      to: message.getAttribute("to"),
      from: message.getAttribute("from"),
      update: Strophe.getText(notification) && notification.textContent,
    });
  }
  if (events >= Number(args.expect)) setTimeout(finish, Number(args.linger));
  return true;
}, "http://jabber.org/protocol/pubsub#event", "message");

connection.connect(args.jid, args.password, async (status, condition) => {
  if (status === Strophe.Status.AUTHFAIL) {
    say("AUTH_FAILED", { condition: condition ?? "not-authorized" });
    finish(3);
  } else if (status === Strophe.Status.CONNFAIL) {
    say("ERROR", { message: `connection failed: ${condition}` });
    finish(2);
  } else if (status === Strophe.Status.CONNECTED) {
    connection.send($pres());
    try {
      await subscribe(args.subscribe);
    } catch (error) {
      say("ERROR", { message: `subscribe failed: ${JSON.stringify(error)}` });
      finish(2);
      return;
    }
    if (args.forbidden) {
      try {
        await subscribe(args.forbidden);
        say("ALLOWED");
      } catch (error) {
        say("FORBIDDEN", error);
      }
    }
    say("READY", { jid: connection.jid });
    setTimeout(finish, Number(args.timeout));
  }
});
