"""Calendar feeds (issue 6 §5), checked with the `icalendar` package (pinned in
scripts/requirements-interop.txt): a technician creates their PM feed through the API, a manager a
department feed; both .ics documents parse, carry PRODID / VERSION:2.0 and one VEVENT per open PM
with a stable UID, DTSTAMP, an all-day DTSTART, SUMMARY, LOCATION, DESCRIPTION and URL; the raw
text uses CRLF and folds at 75 octets; a revoked feed answers 404.

    python check_calendar.py HTM_BIN DB_URL WORKDIR
"""
import datetime
import urllib.request

import icalendar

from htmcheck import Harness

h = Harness.from_argv()
h.seed_demo()


def fetch(path):
    try:
        with urllib.request.urlopen(h.base + path, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def raw_ok(name, raw: bytes):
    lines = raw.split(b"\r\n")
    h.check(f"{name}: every line ends with CRLF", raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""))
    h.check(f"{name}: no line is longer than 75 octets", all(len(l) <= 75 for l in lines),
            str(max(len(l) for l in lines)))


with h.serve():
    boss = h.login("mgarcia")
    tech = h.login("rlopez")
    st, me = h.req("GET", "/api/v1/me", token=tech)
    h.check("technician /me", st == 200, f"{st} {me}")
    st, assets = h.req("GET", "/api/v1/assets?limit=3&status=in_service", token=boss)
    asset = assets["items"][0]
    due = (datetime.date.today() + datetime.timedelta(days=21)).isoformat()
    # A PM with a long location-free text that needs escaping and folding.
    st, wo = h.req("POST", "/api/v1/work-orders", {
        "wo_type": "pm", "priority": "normal", "asset_id": asset["id"], "assigned_to": me["id"],
        "problem": "Scheduled PM; check battery, alarms, and the door latch", "due_date": due}, token=boss)
    h.check("manager opens a PM assigned to the technician", st == 201, f"{st} {wo}")

    st, feed = h.req("POST", "/api/v1/calendar-feeds", {"scope": "technician", "id": me["id"]}, token=tech)
    h.check("technician creates their own feed (201)", st == 201, f"{st} {feed}")
    h.check("the feed URL is /calendar/{secret}.ics", feed["path"].startswith("/calendar/")
            and feed["path"].endswith(".ics") and len(feed["path"]) > 40 and feed["url"].endswith(feed["path"]))
    st, body = h.req("POST", "/api/v1/calendar-feeds", {"scope": "department", "id": asset["department"]["id"]},
                     token=tech)
    h.check("a technician may not create a department feed (403)", st == 403, f"{st} {body}")
    st, listed = h.req("GET", "/api/v1/calendar-feeds", token=tech)
    h.check("the feed is listed without its secret", st == 200 and any(f["id"] == feed["feed"]["id"] for f in listed)
            and feed["path"][10:-4] not in str(listed), f"{st} {listed}")

    st, ctype, raw = fetch(feed["path"])
    h.check("GET the feed: 200 text/calendar", st == 200 and ctype.startswith("text/calendar"), f"{st} {ctype}")
    raw_ok("technician feed", raw)
    cal = icalendar.Calendar.from_ical(raw)
    h.check("VCALENDAR VERSION:2.0", str(cal.get("VERSION")) == "2.0")
    h.check("VCALENDAR has a PRODID", "OpenHTM" in str(cal.get("PRODID")))
    events = list(cal.walk("VEVENT"))
    h.check("the feed has events", len(events) >= 1, str(len(events)))
    uids = [str(e.get("UID")) for e in events]
    h.check("UIDs are unique", len(uids) == len(set(uids)))
    mine = [e for e in events if str(e.get("UID")) == f"openhtm-wo-{wo['id']}@openhtm"]
    h.check("the new PM is an event with a UID stable per work order", len(mine) == 1, str(uids[:5]))
    if mine:
        ev = mine[0]
        start = ev.decoded("DTSTART")
        h.check("DTSTART is an all-day date (VALUE=DATE) = the due date",
                isinstance(start, datetime.date) and not isinstance(start, datetime.datetime)
                and start.isoformat() == due, repr(start))
        h.check("DTSTAMP is a UTC date-time", isinstance(ev.decoded("DTSTAMP"), datetime.datetime)
                and ev.decoded("DTSTAMP").tzinfo is not None)
        summary = str(ev.get("SUMMARY"))
        h.check("SUMMARY names the asset tag", summary.startswith("PM ") and asset["asset_tag"] in summary, summary)
        h.check("LOCATION names the department", asset["department"]["name"] in str(ev.get("LOCATION")),
                str(ev.get("LOCATION")))
        desc = str(ev.get("DESCRIPTION"))
        h.check("DESCRIPTION names the work order (escaped newlines decode)", wo["number"] in desc and "\n" in desc,
                desc)
        h.check("DESCRIPTION carries no problem text", "door latch" not in desc)
        h.check("URL links the work order", str(ev.get("URL")).endswith(f"/work-orders/{wo['id']}"), str(ev.get("URL")))
    st2, _, raw2 = fetch(feed["path"])
    cal2 = icalendar.Calendar.from_ical(raw2)
    h.check("UIDs are stable between fetches", sorted(str(e.get("UID")) for e in cal2.walk("VEVENT")) == sorted(uids))

    st, dfeed = h.req("POST", "/api/v1/calendar-feeds", {"scope": "department", "id": asset["department"]["id"]},
                      token=boss)
    h.check("a manager creates a department feed", st == 201, f"{st} {dfeed}")
    st, ctype, draw = fetch(dfeed["path"])
    raw_ok("department feed", draw)
    dcal = icalendar.Calendar.from_ical(draw)
    h.check("the department feed holds the PM", any(str(e.get("UID")) == f"openhtm-wo-{wo['id']}@openhtm"
                                                    for e in dcal.walk("VEVENT")))

    st, body = h.req("DELETE", f"/api/v1/calendar-feeds/{feed['feed']['id']}", token=tech)
    h.check("the technician revokes their feed", st == 200 and body.get("revoked_at"), f"{st} {body}")
    st, _, _ = fetch(feed["path"])
    h.check("a revoked feed answers 404", st == 404, str(st))
    st, _, _ = fetch("/calendar/not-a-real-secret.ics")
    h.check("an unknown secret answers 404", st == 404, str(st))
    st, _, _ = fetch(dfeed["path"])
    h.check("the other feed still answers", st == 200, str(st))

h.finish()
