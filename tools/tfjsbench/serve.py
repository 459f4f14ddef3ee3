"""Serve a folder on 127.0.0.1 with the headers that make a page cross-origin isolated.

    python3 tools/tfjsbench/serve.py PORT DIR

Like `python3 -m http.server --bind 127.0.0.1`, but every response carries
Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
require-corp, so the pages it serves are cross-origin isolated and may use
SharedArrayBuffer (ONNX Runtime Web's and TensorFlow.js's threaded wasm),
and .mjs and .wasm go out with the types that browsers require of module
scripts and of streamed WebAssembly. Nothing is logged per request.
run.sh starts it; it needs only the standard library.
"""

import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    """Files of a folder, with the isolation headers, without a log line per request."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    }

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):
        pass


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit():
        sys.exit("usage: serve.py PORT DIR")
    handler = functools.partial(Handler, directory=argv[2])
    with http.server.ThreadingHTTPServer(("127.0.0.1", int(argv[1])), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
