# measure_hostile.py BIN PORT [CLASS...]: starts `BIN serve --memory` on
# 127.0.0.1:PORT and measures each hostile class of docs/operations.md
# ("Hostile input, round two"), timing an ordinary query meanwhile.
# Loopback only, bounded in count and time.
import json, os, socket, subprocess, sys, threading, time, urllib.request

BIN = sys.argv[1]
PORT = int(sys.argv[2])
which = sys.argv[3:] or ["directives", "operations", "amplify", "amplifyflood", "slowread", "dupkeys", "readflood"]
TOKEN = "measure-token-0123456789"
URL = f"http://127.0.0.1:{PORT}/graphql"

def start(extra=()):
    p = subprocess.Popen([BIN, "serve", "--memory", "--addr", f"127.0.0.1:{PORT}", "--token", TOKEN, "--log-level", "error", *extra, *os.environ.get("MEASURE_ARGS", "").split()],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1); return p
        except Exception: time.sleep(0.1)
    raise SystemExit("server did not start")

def rss(p):
    for l in open(f"/proc/{p.pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1]) // 1024
    return 0

def post(body, timeout=200, auth=False):
    h = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
    if auth: h["Authorization"] = "Bearer " + TOKEN
    req = urllib.request.Request(URL, data=body if isinstance(body, bytes) else json.dumps(body).encode(), headers=h)
    t = time.time()
    try:
        r = urllib.request.urlopen(req, timeout=timeout); b = r.read(); st = r.status
    except urllib.error.HTTPError as e:
        b = e.read(); st = e.code
    except Exception as e:
        return time.time() - t, None, 0, str(e)[:60]
    code = ""
    try:
        j = json.loads(b); code = (j.get("errors") or [{}])[0].get("extensions", {}).get("code", "")
    except Exception: pass
    return time.time() - t, st, len(b), code

def ordinary():
    return post({"query": "{ stats { facts } }"}, timeout=60)

def meanwhile(fn):
    """run fn in a thread; while it runs, time ordinary queries."""
    th = threading.Thread(target=fn); th.start()
    lat = []
    time.sleep(0.2)
    while th.is_alive() and len(lat) < 50:
        d, st, _, code = ordinary(); lat.append((round(d, 3), st))
        time.sleep(0.2)
    th.join()
    return lat

p = start()
try:
    for w in which:
        if w == "directives":
            for n in (1000, 2000, 4000, 8000, 20000):
                q = "{ __typename " + "@a " * n + "}"
                res = {}
                lat = meanwhile(lambda: res.setdefault("r", post({"query": q})))
                d, st, size, code = res["r"]
                print(f"directives n={n} ({len(q)} B): {d:.2f}s status={st} code={code} body={size}B rss={rss(p)}MB; others: {lat[:3]} max={max([x[0] for x in lat] or [0])}")
        if w == "operations":
            for n in (1000, 3000, 9000):
                q = "{a}" * n
                res = {}
                lat = meanwhile(lambda: res.setdefault("r", post({"query": q})))
                d, st, size, code = res["r"]
                print(f"operations n={n} ({len(q)} B): {d:.2f}s status={st} code={code} body={size}B rss={rss(p)}MB; others max={max([x[0] for x in lat] or [0])}")
            # 8 at once
            res = []
            def eight():
                ths = [threading.Thread(target=lambda: res.append(post({"query": "{a}" * 3000}))) for _ in range(8)]
                [t.start() for t in ths]; [t.join() for t in ths]
            lat = meanwhile(eight)
            print(f"operations 8x3000 at once: slowest {max(r[0] for r in res):.2f}s statuses {sorted(set(r[1] for r in res))}; others: {sorted(set(x[1] for x in lat))} max={max([x[0] for x in lat] or [0])}")
        if w == "amplify":
            s = "x" * 900_000
            q = "query($s: ID!) {" + " ".join(f"a{i}: entity(id: $s) {{ id }}" for i in range(50)) + "}"
            before = rss(p)
            d, st, size, code = post({"query": q, "variables": {"s": s}})
            print(f"amplify one: {d:.2f}s status={st} code={code} body={size}B rss {before}->{rss(p)}MB")
        if w == "amplifyflood":
            s = "x" * 900_000
            q = "query($s: ID!) {" + " ".join(f"a{i}: entity(id: $s) {{ id }}" for i in range(50)) + "}"
            res = []
            def flood():
                end = time.time() + 20
                def one():
                    while time.time() < end: res.append(post({"query": q, "variables": {"s": s}}))
                ths = [threading.Thread(target=one) for _ in range(8)]; [t.start() for t in ths]; [t.join() for t in ths]
            peak = [0]
            def watch():
                while any(t.is_alive() for t in threading.enumerate() if t.name == "flood"):
                    peak[0] = max(peak[0], rss(p)); time.sleep(0.2)
            ft = threading.Thread(target=flood, name="flood"); ft.start()
            wt = threading.Thread(target=watch); wt.start()
            lat = []
            while ft.is_alive():
                d2, st2, _, _ = ordinary(); lat.append((d2, st2)); time.sleep(0.5)
            ft.join(); wt.join()
            print(f"amplify 8 clients 20 s: {len(res)} requests, peak rss {peak[0]}MB, rss after {rss(p)}MB; others statuses {sorted(set(x[1] for x in lat))} max={max(x[0] for x in lat):.2f}s")
            time.sleep(5); print(f"  rss 5 s later {rss(p)}MB")
        if w == "slowread":
            big = json.dumps({"query": "{ " + " ".join(f"a{i}: stixBundle" for i in range(10)) + " }"}).encode()  # under 1/8 of the response cache: answered from it, cheaply
            d, st, size, code = post(big)
            print(f"slowread: big answer {size}B status={st} code={code} in {d:.2f}s")
            socks = []
            for i in range(8):
                c = socket.create_connection(("127.0.0.1", PORT))
                c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                c.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(big) + big)
                socks.append(c)
            time.sleep(2)
            t0 = time.time(); lat = []
            while time.time() - t0 < 15:
                d2, st2, _, code2 = ordinary(); lat.append((round(d2, 2), st2, code2)); time.sleep(0.5)
            print(f"slowread: 8 unread big answers; ordinary queries meanwhile: statuses {sorted(set(x[1] for x in lat))} codes {sorted(set(x[2] for x in lat))} max {max(x[0] for x in lat)}s")
            for c in socks: c.close()
        if w == "dupkeys":
            d, st, size, code = post(b'{"query": "{ __typename }", "query": "mutation { retractFact(id: \\"x\\") { id } }"}')
            print(f"dupkeys: status={st} code={code}")
        if w == "readflood":
            stop = time.time() + 30
            rres = []
            def reader():
                # Each document new (a fresh alias), so that the response cache
                # answers none of them and every read takes a slot.
                n = 0
                while time.time() < stop:
                    n += 1
                    rres.append(post({"query": "{ r%d_%d: entities(first: 200) { edges { node { id name relationships(first: 20) { totalCount } } } } }" % (threading.get_ident() % 100000, n)}))
            ths = [threading.Thread(target=reader) for _ in range(int(os.environ.get("READERS", "64")))]; [t.start() for t in ths]
            wres = []
            i = 0
            while time.time() < stop:
                i += 1
                wres.append(post({"query": 'mutation { addFacts(facts: [], entities: [{id: "flood-%d", name: "Flood %d", kind: State}]) { facts { id } } }' % (i, i)}, auth=True))
                time.sleep(0.1)
            [t.join() for t in ths]
            shed = sum(1 for r in wres if r[1] == 503)
            wl = sorted(r[0] for r in wres)
            print(f"readflood: {len(rres)} reads ({sum(1 for r in rres if r[1]==503)} shed), {len(wres)} writes, {shed} writes shed with 503, statuses {sorted(set(str(r[1]) for r in wres))}, write latency p50 {wl[len(wl)//2]:.3f}s max {wl[-1]:.3f}s")
finally:
    p.terminate(); p.wait()
