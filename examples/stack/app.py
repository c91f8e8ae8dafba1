"""app.py - the app: GET /?q= asks the vector DB and the model (by their
service names, directly), GET /fetch?url= fetches from the internet through
jailrun's egress proxy (HTTP_PROXY), which only lets allowed hosts through."""
import http.server
import os
import urllib.error
import urllib.parse
import urllib.request

for k in ("NO_PROXY", "no_proxy"):  # everything not of the stack goes through the proxy
    os.environ.pop(k, None)
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the stack's own services
PROXIED = urllib.request.build_opener()                                # HTTP_PROXY from the environment


def get(opener, url):
    try:
        return opener.open(url, timeout=10).read().decode().strip()
    except urllib.error.HTTPError as e:
        return "error: %d %s" % (e.code, e.read().decode().strip())
    except OSError as e:
        return "error: %s" % e


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        args = urllib.parse.parse_qs(u.query)
        if u.path == "/fetch":
            body = get(PROXIED, args.get("url", [""])[0])
        else:
            q = urllib.parse.quote(args.get("q", ["jails"])[0])
            doc = get(DIRECT, "http://vectordb:8001/search?q=" + q)
            gen = get(DIRECT, "http://model:8080/generate?q=" + q)
            body = "context: %s | answer: %s" % (doc, gen)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode() + b"\n")

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8000), H).serve_forever()
