"""vectordb.py - stand-in for a vector DB: GET /search?q= returns the nearest document."""
import http.server
import urllib.parse

DOCS = ["jails are namespaces", "models need memory", "stacks share a network"]


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("q", [""])[0]
        best = max(DOCS, key=lambda d: len(set(d.split()) & set(q.split())))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(best.encode() + b"\n")

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8001), H).serve_forever()
