#!/usr/bin/env python3
# Ratios of a `hcbench run --json` full-matrix result against the 2016 original's published
# loopback figures (shared/reference: 1.8). Usage: tools/original_ratios.py RESULTS.json
import json, sys
d = json.load(open(sys.argv[1]))
rps = {}
for c in d["cells"]:
    s = c.get("summary") or {}
    v = (s.get("rps") or {}).get("median")
    rps[(c["row_id"], c["protocol"])] = v
orig = {
 "python.requests.no-reuse": (557.3, 146.3),
 "python.requests.session": (1070.7, 1008.9),
 "python.pycurl.reuse-handle.discard-body": (2247.5, 1882.3),
 "python.pycurl.reuse-handle.save-body": (2216.5, 1872.0),
 "python.pycurl.forbid-reuse.save-body": (1442.8, 189.3),
 "python.pycurl.new-handle.save-body": (1406.1, 188.7),
 "python.urllib3.pool": (1314.9, None),
 "python.urllib": (902.8, None),
}
def r(a, b):
    return f"{a/b:.2f}" if a and b else "n/a"
def ours(i, p): return rps.get((i, p))
rows = [
 ("pycurl (reuse, save body) / requests (Session)", "python.pycurl.reuse-handle.save-body", "python.requests.session"),
 ("pycurl (no reuse) / requests (no reuse)", "python.pycurl.forbid-reuse.save-body", "python.requests.no-reuse"),
 ("requests: Session / no reuse", "python.requests.session", "python.requests.no-reuse"),
 ("pycurl: reuse / no reuse (reused handle)", "python.pycurl.reuse-handle.save-body", "python.pycurl.forbid-reuse.save-body"),
 ("pycurl: discard / save body", "python.pycurl.reuse-handle.discard-body", "python.pycurl.reuse-handle.save-body"),
]
print("| Ratio of requests/s | 2016 HTTP | 2026 HTTP | 2016 HTTPS | 2026 HTTPS |")
print("|---|---:|---:|---:|---:|")
for label, a, b in rows:
    print(f"| {label} | {r(orig[a][0], orig[b][0])} | {r(ours(a,'http'), ours(b,'http'))} | {r(orig[a][1], orig[b][1])} | {r(ours(a,'https'), ours(b,'https'))} |")
print()
print("| HTTPS / HTTP | 2016 | 2026 |")
print("|---|---:|---:|")
for i, (h, s) in orig.items():
    print(f"| {i} | {r(s, h)} | {r(ours(i,'https'), ours(i,'http'))} |")
for i in ["curl.reuse-handle.discard-body", "curl.forbid-reuse.save-body"]:
    print(f"| {i} (libcurl, C) | | {r(ours(i,'https'), ours(i,'http'))} |")
print()
print("| Request type | 2016 RPS HTTP | 2026 RPS HTTP | × | 2016 RPS HTTPS | 2026 RPS HTTPS | × |")
print("|---|---:|---:|---:|---:|---:|---:|")
for i, (h, s) in orig.items():
    oh, os_ = ours(i,'http'), ours(i,'https')
    fmt = lambda x: f"{x:.1f}" if x else "n/a"
    print(f"| {i} | {fmt(h)} | {fmt(oh)} | {r(oh,h)} | {fmt(s)} | {fmt(os_)} | {r(os_,s)} |")
