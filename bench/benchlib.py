"""What the package benchmarks (packages.py, registries.py) share: keep-alive HTTP connections per
thread, and running work on a thread pool. Python's standard library only."""
import concurrent.futures, http.client, threading, time, urllib.parse


class Pool:
    """One keep-alive connection per thread."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.base = u.netloc, u.path.rstrip("/")
        self.local = threading.local()

    def request(self, method, path, body=None, headers=None):
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, timeout=600)
            try:
                conn.request(method, self.base + path, body, headers or {})
                r = conn.getresponse()
                return r.status, r.read(), r
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise


def run_parallel(concurrency, items, work):
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as ex:
        for f in [ex.submit(work, it) for it in items]:
            f.result()
    return time.monotonic() - t0
