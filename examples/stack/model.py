"""model.py - stand-in for a model server: GET /health, GET /generate?q=."""
import http.server
import urllib.parse


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query).get("q", [""])[0]
        body = {"/health": "ok", "/generate": "generated text about %s" % q}.get(u.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write((body or "not found").encode() + b"\n")

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()
