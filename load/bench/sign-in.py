#!/usr/bin/env python3
"""Signs agents 1000..1000+N-1 in to MRD 5000 (they start NOT_READY; the wrk rotation then sends READY first)."""
import base64, concurrent.futures, sys, urllib.request

base, agents = sys.argv[1], int(sys.argv[2])
body = b"<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>"

def sign_in(i):
    user = str(1000 + i)
    req = urllib.request.Request(f"{base}/finesse/api/User/{user}/Media/5000", data=body, method="PUT")
    req.add_header("Content-Type", "application/xml")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:password".encode()).decode())
    with urllib.request.urlopen(req) as r:
        if r.status != 202:
            raise SystemExit(f"sign-in of {user} answered {r.status}")

with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(sign_in, range(agents)))
print(f"signed in {agents} agents")
