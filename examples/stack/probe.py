"""probe.py URL - the healthcheck: exit 0 when URL answers 200."""
import sys
import urllib.request

opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
sys.exit(0 if opener.open(sys.argv[1], timeout=2).status == 200 else 1)
