"""Drives the Agave emulator with the real agavepy 0.9.5 client and asserts what it gets back.

Usage: python agavepy_fidelity.py BASE_URL API_KEY API_SECRET USERNAME PASSWORD SYSTEM_ID STATE_DIR

Exit status 0 means every check passed; each check prints one "ok ..." line. The Swift side
(AgavepyFidelityTests.swift) prepares the fixture files and checks the emulator's disk state afterwards.
"""
import hashlib
import json
import os
import sys
import time
import urllib.parse

import requests
import agavepy.agave as agave_module
from agavepy.agave import Agave

BASE, KEY, SECRET, USER, PASSWORD, SYSTEM, STATE = sys.argv[1:8]
ROOT = os.path.join(STATE, "systems", SYSTEM)

# agavepy 0.9.5 hard-codes "https://{{ api_server_base }}" as the swagger basePath of every API
# (resources/api_*.json.j2), so it can only talk TLS. The emulator serves plain HTTP on loopback; point the
# loaded resource description at the emulator's real scheme. Nothing else about the client is changed.
_original_load_resource = agave_module.load_resource


def _load_resource_for_plain_http(api_server):
    resources = _original_load_resource(api_server)
    netloc = urllib.parse.urlparse(api_server).netloc
    text = json.dumps(resources).replace("https://" + netloc, api_server.rstrip("/"))
    return json.loads(text)


agave_module.load_resource = _load_resource_for_plain_http

# agavepy's TokenAuthenticator only adds "Authorization: Bearer" when `host` (the api_server's netloc, which
# includes the port) equals the request URL's hostname (which does not), so it never authenticates to a server
# on an explicit port such as the emulator's. Compare netloc with netloc instead.
import agavepy.swaggerpy.http_client as swagger_http


def _matches_including_port(self, url):
    return self.host == urllib.parse.urlsplit(url).netloc


swagger_http.Authenticator.matches = _matches_including_port


def check(condition, what):
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    print("ok " + what)


def staged_events(path):
    """Agave stages uploads and imports after its 202 reply: a client follows the file's history until the request
    ends (STAGING_COMPLETED or STAGING_FAILED). Returns the event statuses seen last."""
    events = []
    for _ in range(200):
        r = raw("GET", "/files/v2/history/system/%s/%s" % (SYSTEM, path))
        events = [e["status"] for e in r.json()["result"]] if r.status_code == 200 else []
        if "STAGING_COMPLETED" in events or "STAGING_FAILED" in events:
            break
        time.sleep(0.05)
    return events


def local_bytes(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def raw(method, path, **kwargs):
    """A request with the client's current token, for status codes agavepy does not expose."""
    headers = kwargs.pop("headers", {})
    headers["Authorization"] = "Bearer " + ag._token
    response = requests.request(method, BASE + path, headers=headers, **kwargs)
    if response.status_code == 401:  # short-lived test tokens: refresh like agavepy does, once
        ag.token.refresh()
        headers["Authorization"] = "Bearer " + ag._token
        response = requests.request(method, BASE + path, headers=headers, **kwargs)
    return response


ag = Agave(api_server=BASE, username=USER, password=PASSWORD, api_key=KEY, api_secret=SECRET)
check(bool(ag._token), "password grant returned an access token")

systems = ag.systems.list()
check(SYSTEM in [s["id"] for s in systems], "systems.list names the fixture system")
detail = ag.systems.get(systemId=SYSTEM)
check(detail["storage"]["protocol"] == "LOCAL" and detail["type"] == "STORAGE", "systems.get describes storage")

# Listings: "." self row first, files typed, lastModified parsed by agavepy into an aware datetime.
listing = ag.files.list(systemId=SYSTEM, filePath="inputs")
check(listing[0]["name"] == "." and listing[0]["type"] == "dir", "first listing row is the '.' self entry")
names = [row["name"] for row in listing[1:]]
check("data.bin" in names and "notes with spaces é.txt" in names, "listing names the fixture files")
row = [r for r in listing if r["name"] == "data.bin"][0]
check(row["length"] == len(local_bytes("inputs/data.bin")), "listing length matches the file on disk")
check(row["lastModified"].tzinfo is not None, "lastModified carries a UTC offset")
check(row["permissions"] == "READ_WRITE" and row["format"] == "raw", "permissions and format of a 0644 file")
stat = ag.files.list(systemId=SYSTEM, filePath="inputs/data.bin")
check(len(stat) == 1 and stat[0]["name"] == "data.bin" and stat[0]["type"] == "file", "listing a file is its stat")

# Paging: 250 children + "." row = 251 rows; the server clamps limit to 100.
seen, offset = [], 0
while True:
    page = ag.files.list(systemId=SYSTEM, filePath="many", limit=100, offset=offset)
    if not page:
        break
    seen.extend(r["name"] for r in page)
    offset += len(page)
check(len(seen) == 251 and seen[0] == "." and len(set(seen)) == 251, "paging visits every entry once")
check(len(ag.files.list(systemId=SYSTEM, filePath="many", limit=1000)) == 100, "limit is clamped to 100")

# Downloads, including a name with spaces and unicode (agavepy sends it raw; requests percent-encodes it).
blob = ag.files.download(systemId=SYSTEM, filePath="inputs/data.bin").content
check(hashlib.sha256(blob).digest() == hashlib.sha256(local_bytes("inputs/data.bin")).digest(), "download is byte-exact")
text = ag.files.download(systemId=SYSTEM, filePath="inputs/notes with spaces é.txt").content
check(text == local_bytes("inputs/notes with spaces é.txt"), "download of a unicode name round-trips")
r = raw("GET", "/files/v2/media/system/%s/inputs/data.bin" % SYSTEM, headers={"Range": "bytes=10-19"})
check(r.status_code == 206 and r.content == local_bytes("inputs/data.bin")[10:20], "Range GET answers 206 with the slice")
size = len(local_bytes("inputs/data.bin"))
r = raw("GET", "/files/v2/media/system/%s/inputs/data.bin" % SYSTEM, headers={"Range": "bytes=0-%d" % size})
check(r.status_code == 416, "Range past EOF answers 416")
r = raw("GET", "/files/v2/media/system/%s/inputs" % SYSTEM)
check(r.status_code == 501, "downloading a directory answers 501")

# Upload (multipart via requests_toolbelt) into an existing directory.
upload_source = os.path.join(STATE, "upload-source.bin")
with open(upload_source, "rb") as f:
    result = ag.files.importData(systemId=SYSTEM, filePath="uploads", fileToUpload=f)
check(result["name"] == "upload-source.bin" and result["status"] == "STAGING_QUEUED", "importData upload answers a queued logical file")
events = staged_events("uploads/upload-source.bin")
check(events[:1] == ["STAGING_QUEUED"] and events[-1] == "STAGING_COMPLETED", "the upload's history ends in STAGING_COMPLETED")
check(local_bytes("uploads/upload-source.bin") == open(upload_source, "rb").read(), "uploaded bytes are on disk once staged")

# Server-side import from another path of the same tenant.
result = ag.files.importData(systemId=SYSTEM, filePath="uploads", urlToIngest="agave://%s/inputs/data.bin" % SYSTEM,
                             fileName="imported.bin")
check(result["name"] == "imported.bin", "importData urlToIngest answers the new file")
check(result["status"] == "STAGING_QUEUED", "an import answers before it is staged, as a queued logical file")
events = staged_events("uploads/imported.bin")
check("STAGING_QUEUED" in events and events[-1] == "STAGING_COMPLETED", "the import's history ends in STAGING_COMPLETED")

# Manage: mkdir (201 then 200), rename, copy, move; then delete.
made = ag.files.manage(systemId=SYSTEM, filePath="uploads", body={"action": "mkdir", "path": "made by agavepy"})
check(made["name"] == "made by agavepy", "manage mkdir returns the new directory")
r = raw("PUT", "/files/v2/media/system/%s/uploads" % SYSTEM, json={"action": "mkdir", "path": "made by agavepy"})
check(r.status_code == 200 and "already exists" in r.json()["message"], "mkdir of an existing directory answers 200")
ag.files.manage(systemId=SYSTEM, filePath="uploads/imported.bin", body={"action": "rename", "path": "renamed.bin"})
ag.files.manage(systemId=SYSTEM, filePath="uploads/renamed.bin", body={"action": "copy", "path": "uploads/made by agavepy/copy.bin"})
ag.files.manage(systemId=SYSTEM, filePath="uploads/renamed.bin", body={"action": "move", "path": "moved.bin"})
ag.files.manage(systemId=SYSTEM, filePath="uploads", body={"action": "mkdir", "path": "doomed"})
ag.files.delete(systemId=SYSTEM, filePath="uploads/doomed")
check(not os.path.exists(os.path.join(ROOT, "uploads/doomed")), "delete removed the directory")

# Errors: a missing path is a 404 HTTPError from agavepy.
try:
    ag.files.list(systemId=SYSTEM, filePath="no/such/thing")
    check(False, "listing a missing path fails")
except requests.exceptions.HTTPError as error:
    check(error.response.status_code == 404 and error.response.json()["status"] == "error", "missing path answers a 404 envelope")

# Token expiry: the emulator issues short-lived tokens for this test; agavepy must refresh on the gateway fault
# and retry transparently.
old_token = ag._token
time.sleep(float(os.environ.get("FIDELITY_TOKEN_LIFETIME", "3")) + 1)
again = ag.files.list(systemId=SYSTEM, filePath="inputs")
check(again[0]["name"] == "." and ag._token != old_token, "expired token is refreshed and the call retried")
print("ALL CHECKS PASSED")
