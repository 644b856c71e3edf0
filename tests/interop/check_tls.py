"""HTTPS served directly by `htm serve --tls-cert FILE --tls-key FILE` (issue 7 §2), checked
with Python's own `ssl` (OpenSSL) as an independent TLS client:

- a self-signed certificate made with Debian's `openssl req -x509`, trusted by the client, which
  verifies the chain and the host name;
- TLS 1.3 and TLS 1.2 handshakes succeed; a client that offers only TLS 1.0 / 1.1 (with
  `@SECLEVEL=0`, so that the client itself would allow them) is refused by the server;
- sign-in through the web form and the API work over HTTPS; the session cookie has `Secure`,
  `HttpOnly`, `SameSite` and `Path=/`; `Strict-Transport-Security` is sent;
- plain HTTP to the TLS port gets no HTTP answer;
- a missing certificate or a key that does not match makes `htm serve` exit with 2 before it
  binds the port.

Runs in a few seconds; no demo data needed (the administrator account is created at start).
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
import warnings

from htmcheck import Harness, free_port


def openssl_cert(work: str, stem: str) -> tuple[str, str]:
    cert, key = os.path.join(work, f"{stem}-cert.pem"), os.path.join(work, f"{stem}-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:FALSE", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    return cert, key


def client_context(cert: str, lo=ssl.TLSVersion.TLSv1_2, hi=ssl.TLSVersion.MAXIMUM_SUPPORTED) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cert)
    if lo < ssl.TLSVersion.TLSv1_2:
        # let this client offer the old versions, so that a refusal is the server's
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version, ctx.maximum_version = lo, hi
    return ctx


def main() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # ssl.TLSVersion.TLSv1 on purpose
    h = Harness.from_argv()
    cert, key = openssl_cert(h.work, "server")
    _, other_key = openssl_cert(h.work, "other")

    # ---- bad files: exit code 2, nothing bound ----
    port = free_port()
    for name, args in [
        ("a missing certificate", ("--tls-cert", os.path.join(h.work, "missing.pem"), "--tls-key", key)),
        ("a key that is not the certificate's", ("--tls-cert", cert, "--tls-key", other_key)),
        ("a key file given as the certificate", ("--tls-cert", key, "--tls-key", key)),
    ]:
        p = h.run("serve", "--addr", f"127.0.0.1:{port}", *args, timeout=60)
        h.check(f"{name}: htm serve exits with 2 and says why", p.returncode == 2 and "TLS" in p.stderr,
                f"rc={p.returncode} {p.stderr[-400:]}")
    with socket.socket() as s:
        h.check("nothing was bound on the port", s.connect_ex(("127.0.0.1", port)) != 0)

    # ---- serve HTTPS ----
    port = free_port()
    log = open(os.path.join(h.work, f"serve-tls-{port}.log"), "w")
    server = subprocess.Popen(
        [h.htm, "--db", h.db, "serve", "--addr", f"127.0.0.1:{port}", "--tls-cert", cert, "--tls-key", key],
        cwd=h.work, env=h.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    ctx = client_context(cert)

    def request(method: str, path: str, body: bytes | None = None, headers: dict | None = None, context=ctx):
        c = http.client.HTTPSConnection("localhost", port, context=context, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheaders(), r.read(), c.sock.version() if c.sock else None
        finally:
            c.close()

    try:
        up = False
        for _ in range(120):
            if server.poll() is not None:
                break
            try:
                up = request("GET", "/healthz")[0] == 200
                if up:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        if not h.check("htm serve --tls-cert/--tls-key answers /healthz over verified HTTPS", up):
            log.flush()
            print(open(log.name).read()[-2000:])
            h.finish()

        st, hdrs, _, version = request("GET", "/healthz")
        hd = {k.lower(): v for k, v in hdrs}
        h.check("the default handshake is TLS 1.3", version == "TLSv1.3", str(version))
        h.check("Strict-Transport-Security: max-age=31536000",
                hd.get("strict-transport-security") == "max-age=31536000", str(hd))
        h.check("security headers (CSP, X-Frame-Options, nosniff, Referrer-Policy)",
                "frame-ancestors 'none'" in hd.get("content-security-policy", "")
                and hd.get("x-frame-options") == "DENY" and hd.get("x-content-type-options") == "nosniff"
                and hd.get("referrer-policy") == "same-origin", str(hd))

        st, _, _, version = request("GET", "/healthz", context=client_context(
            cert, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
        h.check("a TLS 1.2 client is served", st == 200 and version == "TLSv1.2", f"{st} {version}")

        for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            try:
                request("GET", "/healthz", context=client_context(cert, old, old))
                h.check(f"a {old.name} handshake is refused", False, "it succeeded")
            except ssl.SSLError as e:
                # the server's alert, not the client declining to offer the version
                print(f"     ({old.name}: {e})")
                h.check(f"a {old.name} handshake is refused by the server",
                        "ALERT" in str(e).upper() and "NO_PROTOCOLS_AVAILABLE" not in str(e).upper(), str(e))
            except OSError as e:
                h.check(f"a {old.name} handshake is refused by the server", True, str(e))

        try:
            request("GET", "/healthz", context=ssl.create_default_context())
            h.check("a client that does not trust the certificate fails", False, "it succeeded")
        except ssl.SSLCertVerificationError:
            h.check("a client that does not trust the certificate fails", True)

        # the web sign-in form
        form = urllib.parse.urlencode({"username": "admin", "password": h.ADMIN_PASSWORD, "next": "/"}).encode()
        st, hdrs, body, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        cookies = [v for k, v in hdrs if k.lower() == "set-cookie" and v.startswith("htm_session=")]
        h.check("sign-in through the form over HTTPS (303)", st == 303 and len(cookies) == 1, f"{st} {hdrs}")
        attrs = [a.strip().lower() for a in (cookies[0] if cookies else "").split(";")[1:]]
        h.check("the session cookie is Secure; HttpOnly; SameSite; Path=/",
                "secure" in attrs and "httponly" in attrs and any(a.startswith("samesite=") for a in attrs)
                and "path=/" in attrs, str(attrs))
        if cookies:
            st, _, page, _ = request("GET", "/", headers={"Cookie": cookies[0].split(";")[0]})
            h.check("the dashboard opens with that cookie", st == 200 and b"csrf" in page, str(st))

        # the API
        st, _, body, _ = request("POST", "/api/v1/auth/login",
                                 json.dumps({"username": "admin", "password": h.ADMIN_PASSWORD}).encode(),
                                 {"Content-Type": "application/json"})
        tok = json.loads(body).get("token") if st == 200 else None
        h.check("API sign-in over HTTPS", bool(tok), f"{st} {body[:200]!r}")
        st, _, _, _ = request("GET", "/api/v1/assets?limit=1", headers={"Authorization": f"Bearer {tok}"})
        h.check("an API call with the token", st == 200, str(st))

        # plain HTTP to the TLS port
        answer = b""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            with contextlib.suppress(OSError):
                while chunk := s.recv(4096):
                    answer += chunk
        h.check("plain HTTP to the TLS port gets no HTTP answer", not answer.startswith(b"HTTP/"), repr(answer[:100]))
        h.check("the server still serves HTTPS afterwards", request("GET", "/healthz")[0] == 200)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    h.finish()


if __name__ == "__main__":
    main()
