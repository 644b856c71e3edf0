"""Notifications (issue 6 §6) against real servers: an SMTP server (`aiosmtpd`, pinned) and an HTTP
receiver (Python's http.server) on free ports; `htm serve` is configured through the environment to
use them. Assigning a work order must e-mail the assignee and call the webhook with a valid
HMAC-SHA256 signature; the receiver answers 500 to the first call, so the same delivery must come
again (the retry). A recall alert matched to the inventory must e-mail the recall managers and call
the webhook. A service contract inside its notice window must e-mail the managers once, and again
after a renewal moves its end date.

    python check_notify.py HTM_BIN DB_URL WORKDIR
"""
import email
import hashlib
import hmac
import http.server
import json
import threading
import time

from aiosmtpd.controller import Controller

from htmcheck import Harness, free_port

h = Harness.from_argv()
h.seed_demo()

SECRET = "interop-webhook-secret-0123456789"


class Mailbox:
    def __init__(self):
        self.messages = []  # (rcpt list, email.message.Message)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


mailbox = Mailbox()
smtp_port = free_port()
controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
controller.start()

calls = []  # (headers dict, body bytes, status answered)
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            first = not calls
            status = 500 if first else 200
            calls.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


http_port = free_port()
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Receiver)
threading.Thread(target=httpd.serve_forever, daemon=True).start()


def wait_for(pred, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        r = pred()
        if r:
            return r
        time.sleep(0.5)
    return pred()


def valid_signature(headers, body):
    ts = headers.get("x-openhtm-timestamp", "")
    want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("x-openhtm-signature", ""), want) and abs(time.time() - int(ts)) < 600


env = {"HTM_SMTP_HOST": "127.0.0.1", "HTM_SMTP_PORT": str(smtp_port), "HTM_SMTP_SECURITY": "none",
       "HTM_SMTP_FROM": "OpenHTM <htm@riversidehealth.example>", "HTM_NOTIFY_POLL_SECONDS": "1",
       "HTM_NOTIFY_RETRY_BASE_SECONDS": "1", "HTM_PUBLIC_URL": "https://htm.riversidehealth.example"}
try:
    with h.serve(extra_env=env):
        boss = h.login("mgarcia")
        tech = h.login("rlopez")
        st, me = h.req("GET", "/api/v1/me", token=tech)
        hook_url = f"http://127.0.0.1:{http_port}/openhtm"
        st, hook = h.req("POST", "/api/v1/webhooks", {"url": hook_url, "secret": SECRET,
                                                       "events": ["work_order.assigned", "recall.matched"]}, token=boss)
        h.check("manager subscribes a webhook (201)", st == 201 and hook["secret"] == SECRET, f"{st} {hook}")
        st, body = h.req("POST", "/api/v1/webhooks", {"url": hook_url, "events": ["pm.overdue"]}, token=tech)
        h.check("a technician may not subscribe webhooks (403)", st == 403, f"{st} {body}")

        st, assets = h.req("GET", "/api/v1/assets?limit=1&status=in_service", token=boss)
        asset = assets["items"][0]
        st, wo = h.req("POST", "/api/v1/work-orders", {
            "wo_type": "repair", "priority": "high", "asset_id": asset["id"], "assigned_to": me["id"],
            "problem": "Alarm fails; patient Jane Doe MRN 55512345 nearby"}, token=boss)
        h.check("manager opens a repair assigned to rlopez", st == 201, f"{st} {wo}")

        def assigned_mail():
            for rcpt, m in mailbox.messages:
                if wo["number"] in (m.get("Subject") or ""):
                    return rcpt, m
        got = wait_for(assigned_mail)
        h.check("the assignment e-mail arrives", got is not None, str([m.get("Subject") for _, m in mailbox.messages][:5]))
        if got:
            rcpt, m = got
            h.check("… to the assignee", rcpt == [me["email"]], str(rcpt))
            h.check("… with the subject naming the work order", m["Subject"].startswith(f"[OpenHTM] {wo['number']} assigned to you"),
                    m["Subject"])
            h.check("… from the configured sender", "htm@riversidehealth.example" in m["From"], m["From"])
            text = m.get_payload(decode=True).decode()
            h.check("… linking the work order", f"https://htm.riversidehealth.example/work-orders/{wo['id']}" in text, text)
            h.check("… without patient data", "Jane Doe" not in text and "55512345" not in text, text)

        def assigned_calls():
            with lock:
                mine = [c for c in calls if json.loads(c[1]).get("data", {}).get("work_order", {}).get("number") == wo["number"]]
            return mine if any(c[2] == 200 for c in mine) else None
        got = wait_for(assigned_calls)
        h.check("the webhook call arrives and succeeds after a retry", got is not None and len(got) >= 2,
                str([(c[0].get("x-openhtm-event"), c[2]) for c in calls][:10]))
        if got:
            h.check("the first attempt got 500, the retry 200", got[0][2] == 500 and got[-1][2] == 200,
                    str([c[2] for c in got]))
            h.check("the retry is the same delivery", len({c[0].get("x-openhtm-delivery") for c in got}) == 1)
            h.check("every call's HMAC-SHA256 signature is valid", all(valid_signature(c[0], c[1]) for c in got))
            payload = json.loads(got[-1][1])
            h.check("payload: event and assignee", payload["event"] == "work_order.assigned"
                    and payload["data"]["assigned_to"]["username"] == "rlopez", str(payload))
            h.check("payload: no patient data", b"Jane Doe" not in got[-1][1])
        # The delivery log through the API.
        st, out = h.req("GET", "/api/v1/notifications?status=sent&limit=200", token=boss)
        h.check("the outbox lists sent messages", st == 200 and out["items"], f"{st}")
        hooks = [m for m in out.get("items", []) if m["channel"] == "webhook" and wo["number"] in m["body"]]
        if h.check("the webhook message is in the outbox", bool(hooks)):
            st, detail = h.req("GET", f"/api/v1/notifications/{hooks[0]['id']}", token=boss)
            h.check("its delivery log shows 500 then 200",
                    st == 200 and [a["http_status"] for a in detail["attempts"]][:2] == [500, 200], f"{st} {detail}")

        # A recall alert for the asset's model: matching proposes candidates → recall managers.
        st, alert = h.req("POST", "/api/v1/alerts", {
            "recalling_firm": asset["model"]["manufacturer"],
            "product_description": f"{asset['model']['name']} model {asset['model']['model_number']}",
            "reason": "Interop check: alarm may fail", "recall_class": "II"}, token=boss)
        h.check("manager enters an alert", st == 201, f"{st} {alert}")
        st, cands = h.req("POST", "/api/v1/recalls/match", token=boss)
        number = alert.get("number") if isinstance(alert, dict) else None
        mine = [c for c in cands if c["recall"] == number] if st == 200 else []
        h.check("matching proposes candidates for the alert", st == 200 and mine, f"{st} {str(cands)[:300]}")

        def recall_mail():
            return [(r, m) for r, m in mailbox.messages if number and number in (m.get("Subject") or "")]
        got = wait_for(recall_mail)
        h.check("the recall-match e-mail arrives", bool(got))
        if got:
            rcpts = sorted(r for rs, _ in got for r in rs)
            h.check("… to the recall managers", "mgarcia@riversidehealth.example" in rcpts and
                    not any(r.startswith("rlopez@") for r in rcpts), str(rcpts))
            h.check("… naming the count of candidates", f"{len(mine)} candidate" in got[0][1]["Subject"],
                    got[0][1]["Subject"])

        def recall_call():
            with lock:
                return [c for c in calls if c[0].get("x-openhtm-event") == "recall.matched" and c[2] == 200
                        and json.loads(c[1])["data"]["recall"]["number"] == number]
        got = wait_for(recall_call)
        h.check("the recall.matched webhook arrives, signed", bool(got) and valid_signature(got[0][0], got[0][1]))

        # Service contracts: the demo's PM-only pump contract ends in 45 days, inside its 90-day
        # notice window, so the worker e-mails the managers once; a renewal that moves the end
        # date (still inside the window) is announced again.
        st, expiring = h.req("GET", "/api/v1/contracts?status=expiring", token=boss)
        lvp = [c for c in expiring.get("items", []) if c["contract_number"] == "LVP-PM-2025-031"] if st == 200 else []
        h.check("the demo's pump contract is listed as expiring", bool(lvp), f"{st} {str(expiring)[:300]}")

        def contract_mails(end):
            return [(r, m) for r, m in mailbox.messages
                    if "Contract expiring" in (m.get("Subject") or "") and "LVP-PM-2025-031" in m["Subject"]
                    and f"ends {end}" in m["Subject"]]
        if lvp:
            c = lvp[0]
            got = wait_for(lambda: contract_mails(c["ends_on"]))
            h.check("the contract.expiring e-mail arrives", bool(got), str([m.get("Subject") for _, m in mailbox.messages][-5:]))
            if got:
                rcpts = sorted(r for rs, _ in got for r in rs)
                h.check("… to the managers", "mgarcia@riversidehealth.example" in rcpts
                        and not any(r.startswith("rlopez@") for r in rcpts), str(rcpts))
                text = got[0][1].get_payload(decode=True).decode()
                for want in [f"ends on {c['ends_on']}", f"Days left: {c['days_left']}",
                             f"Covered assets: {c['asset_count']}", "Annual cost: 42,000.00 USD",
                             f"https://htm.riversidehealth.example/contracts/{c['id']}"]:
                    h.check(f"… saying {want!r}", want in text, text)
                time.sleep(3)
                again = contract_mails(c["ends_on"])
                h.check("… once (the worker's next passes do not repeat it)",
                        len([1 for rs, _ in again if "mgarcia@riversidehealth.example" in rs]) == 1, str(len(again)))
            st, renewed = h.req("PATCH", f"/api/v1/contracts/{c['id']}",
                                {"version": c["version"], "ends_on": time.strftime("%Y-%m-%d", time.localtime(time.time() + 60 * 86400))},
                                token=boss)
            h.check("the manager renews it with a new end date", st == 200, f"{st} {renewed}")
            if st == 200:
                got = wait_for(lambda: contract_mails(renewed["ends_on"]))
                h.check("the renewal is announced again (new end date)", bool(got),
                        str([m.get("Subject") for _, m in mailbox.messages][-5:]))
finally:
    controller.stop()
    httpd.shutdown()

h.finish()
