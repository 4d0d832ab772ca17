"""Drives the Tapis emulator with the real tapipy client (the version TapipyFidelityTests pins) and checks every
reply twice: tapipy must accept it, and it must match the schema tapipy's bundled OpenAPI spec gives for that
operation and status.

tapipy is told to use the YAML specs it ships (resource_set="local"), and every network lookup or connection that
does not go to 127.0.0.1 is refused, so nothing can come from the internet.

usage: tapipy_fidelity.py BASE_URL TENANT USER PASSWORD WORK_SYSTEM READONLY_SYSTEM STATE_DIR UPLOAD_SOURCE
       FINISHED_JOB RUNNING_JOB
"""
import datetime
import json
import os
import socket
import sys
import time

# --- no network but the emulator ------------------------------------------------------------------------------
REFUSED = []
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _getaddrinfo(host, *args, **kwargs):
    if host not in LOOPBACK:
        REFUSED.append(str(host))
        raise OSError(f"fidelity test: network lookup of {host} refused")
    return _real_getaddrinfo(host, *args, **kwargs)


def _connect(self, address):
    if isinstance(address, tuple) and address[0] not in LOOPBACK:
        REFUSED.append(str(address))
        raise OSError(f"fidelity test: connection to {address} refused")
    return _real_connect(self, address)


socket.getaddrinfo = _getaddrinfo
socket.socket.connect = _connect

import jsonschema  # noqa: E402  (a tapipy dependency)
import yaml  # noqa: E402
import tapipy.tapis as tapis_module  # noqa: E402
from tapipy import errors  # noqa: E402
from tapipy.tapis import Tapis  # noqa: E402

(BASE_URL, TENANT, USER, PASSWORD, WORK, READONLY, STATE_DIR, UPLOAD_SOURCE, FINISHED_JOB,
 RUNNING_JOB) = sys.argv[1:11]
RESOURCES = os.path.join(os.path.dirname(tapis_module.__file__), "resources")
CHECKS = []


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    CHECKS.append(what)


def local_file(system, path):
    with open(os.path.join(STATE_DIR, "systems", system, path), "rb") as handle:
        return handle.read()


# --- schema validation against the bundled specs ---------------------------------------------------------------
class Spec:
    """One bundled OpenAPI document: finds an operation's response schema and validates a JSON body against it."""

    def __init__(self, name):
        with open(os.path.join(RESOURCES, f"openapi_v3-{name}.yml")) as handle:
            self.document = yaml.safe_load(handle)
        self.operations = {}
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.operations[operation["operationId"]] = operation

    def resolve(self, node):
        """Inlines local $refs and turns OpenAPI 3.0 into JSON Schema: `nullable` and, because Tapis's Java
        services print absent values as null, a null allowed wherever a value is (the specs never say nullable)."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return self.resolve(target)
        out = {key: self.resolve(value) for key, value in node.items()
               if key not in ("example", "examples", "nullable", "format", "discriminator", "xml", "x-nullable")}
        if "type" in out and isinstance(out["type"], str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        return out

    def validate(self, operation_id, response):
        operation = self.operations[operation_id]
        responses = operation.get("responses", {})
        declared = responses.get(str(response.status_code)) or responses.get("default")
        check(declared is not None or response.status_code == 200 and "200" in responses,
              f"{operation_id}: status {response.status_code} is declared by the spec")
        content = (declared or {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            return
        check(response.headers.get("content-type") == "application/json",
              f"{operation_id}: content type is exactly application/json, which tapipy requires to parse JSON")
        jsonschema.validate(response.json(), self.resolve(schema))
        CHECKS.append(f"{operation_id}: reply matches the bundled schema")


SPECS = {name: Spec(name) for name in ("authenticator", "systems", "files", "jobs")}


def call(resource, operation_id, **kwargs):
    """Calls an operation through tapipy and validates the raw reply against the bundled spec."""
    result, debug = getattr(getattr(client, resource), operation_id)(_tapis_debug=True, **kwargs)
    SPECS[resource].validate(operation_id, debug.response)
    return result, debug.response


def call_error(resource, operation_id, error_type, status, **kwargs):
    """Calls an operation that must fail with `error_type` (tapipy's class for `status`), checking the error body."""
    try:
        getattr(getattr(client, resource), operation_id)(**kwargs)
    except error_type as error:
        response = error.response
        check(response.status_code == status, f"{operation_id}: HTTP {status}, got {response.status_code}")
        body = response.json()
        check(body["status"] == "error" and body["result"] is None and body["message"],
              f"{operation_id}: {status} comes in Tapis's error envelope")
        return error
    raise AssertionError(f"{operation_id}: expected {error_type.__name__}")


# --- tokens ------------------------------------------------------------------------------------------------------
STARTUP_REFUSED = set()


def make_client(password):
    """A client on the bundled YAML specs. Building one, tapipy follows a remote $ref of the bundled workflows spec
    (a resource this test does not use); that lookup is refused and reported, and nothing else may be."""
    made = Tapis(base_url=BASE_URL, tenant_id=TENANT, username=USER, password=password, resource_set="local")
    STARTUP_REFUSED.update(REFUSED)
    REFUSED.clear()
    return made


client = make_client(PASSWORD)
check(hasattr(client, "files") and hasattr(client, "jobs") and hasattr(client, "systems"),
      "tapipy built its files, jobs and systems resources from the bundled specs")
result, debug = client.authenticator.create_token(username=USER, password=PASSWORD, grant_type="password",
                                                  _tapis_debug=True)
SPECS["authenticator"].validate("create_token", debug.response)
check(debug.response.status_code == 201, "the password grant answers 201")
client.get_tokens()
token = client.access_token
check(token.claims["tapis/username"] == USER and token.claims["tapis/tenant_id"] == TENANT,
      "tapipy decodes the JWT's claims")
check(datetime.timedelta(0) < token.expires_in() <= datetime.timedelta(seconds=token.original_ttl),
      "tapipy computes the remaining lifetime from exp")
try:
    make_client("wrong").get_tokens()
    raise AssertionError("a wrong password was accepted")
except errors.UnauthorizedError:
    CHECKS.append("a wrong password is refused with 401")

# --- systems -----------------------------------------------------------------------------------------------------
systems, _ = call("systems", "getSystems")
ids = [system.id for system in systems]
check(WORK in ids and READONLY in ids, f"getSystems lists the systems: {ids}")
check(not hasattr(systems[0], "rootDir"), "the list returns summary attributes by default")
page, response = call("systems", "getSystems", limit=1, skip=1, computeTotal=True)
check(len(page) == 1 and page[0].id == ids[1], "getSystems pages with limit/skip")
check(response.json()["metadata"]["totalCount"] == len(ids), "computeTotal fills metadata.totalCount")
chosen, _ = call("systems", "getSystems", select="id,host")
check(set(vars(chosen[0])) == {"id", "host"}, "select picks the attributes")
system, _ = call("systems", "getSystem", systemId=WORK)
check(system.id == WORK and system.systemType == "LINUX" and system.rootDir, "getSystem returns all attributes")
call_error("systems", "getSystem", errors.NotFoundError, 404, systemId="no-such-system")

# --- listings ----------------------------------------------------------------------------------------------------
root, _ = call("files", "listFiles", systemId=WORK, path="/")
names = {entry.name: entry for entry in root}
check("data" in names and names["data"].type == "dir", "the root listing has the data folder")
check(names["README.md"].type == "file" and names["README.md"].size == len(local_file(WORK, "README.md")),
      "a file's size is its length in bytes")
check(names["README.md"].url == f"tapis://{WORK}/README.md" and names["README.md"].path == "README.md",
      "url and path of a root entry")
data, _ = call("files", "listFiles", systemId=WORK, path="data")
check({entry.path for entry in data} >= {"data/stations.csv", "data/raw"}, "a folder listing gives paths below it")
check(all(len(entry.nativePermissions) == 9 for entry in data), "nativePermissions is rwx notation")
everything, _ = call("files", "listFiles", systemId=WORK, path="many")
first, _ = call("files", "listFiles", systemId=WORK, path="many", limit=10, offset=0)
second, _ = call("files", "listFiles", systemId=WORK, path="many", limit=10, offset=10)
check([e.name for e in first + second] == [e.name for e in everything[:20]], "limit/offset page the listing")
single, _ = call("files", "listFiles", systemId=WORK, path="data/stations.csv")
check(len(single) == 1 and single[0].name == "stations.csv", "listing a file lists that file")
call_error("files", "listFiles", errors.NotFoundError, 404, systemId=WORK, path="no/such/folder")

# --- content -----------------------------------------------------------------------------------------------------
content, response = call("files", "getContents", systemId=WORK, path="data/stations.csv")
check(content == local_file(WORK, "data/stations.csv"), "getContents returns the file's bytes")
spaced, _ = call("files", "getContents", systemId=WORK, path="inputs/notes with spaces é.txt")
check(spaced == local_file(WORK, "inputs/notes with spaces é.txt"), "a name with spaces and accents downloads")
part, response = call("files", "getContents", systemId=WORK, path="data/stations.csv",
                      _tapis_headers={"range": "10,19"})
check(part == local_file(WORK, "data/stations.csv")[10:20], "the Tapis range header min,max selects bytes")

# --- upload, mkdir, move, copy, delete ---------------------------------------------------------------------------
client.upload(source_file_path=UPLOAD_SOURCE, system_id=WORK, dest_file_path="uploads/from-tapipy.bin")
with open(UPLOAD_SOURCE, "rb") as handle:
    original = handle.read()
check(local_file(WORK, "uploads/from-tapipy.bin") == original, "Tapis.upload stores the bytes")
with open(UPLOAD_SOURCE, "rb") as handle:
    call("files", "insert", systemId=WORK, path="uploads/inserted.bin", file=handle)
check(local_file(WORK, "uploads/inserted.bin") == original, "files.insert (multipart part 'file') stores the bytes")
call("files", "mkdir", systemId=WORK, path="made/by/tapipy")
check(os.path.isdir(os.path.join(STATE_DIR, "systems", WORK, "made/by/tapipy")), "mkdir creates parents too")
call("files", "moveCopy", systemId=WORK, path="uploads/inserted.bin", operation="COPY", newPath="made/by/tapipy")
call("files", "moveCopy", systemId=WORK, path="uploads/from-tapipy.bin", operation="MOVE", newPath="moved.bin")
check(local_file(WORK, "made/by/tapipy/inserted.bin") == original, "COPY into a folder keeps the name")
check(local_file(WORK, "moved.bin") == original, "MOVE renames")
call("files", "mkdir", systemId=WORK, path="doomed/inner")
call("files", "delete", systemId=WORK, path="doomed")
check(not os.path.exists(os.path.join(STATE_DIR, "systems", WORK, "doomed")), "delete removes a folder tree")
call_error("files", "delete", errors.NotFoundError, 404, systemId=WORK, path="doomed")
call_error("files", "mkdir", errors.ForbiddenError, 403, systemId=READONLY, path="not-allowed")
permission, _ = call("files", "getPermissions", systemId=WORK, path="moved.bin")
check(permission.permission == "MODIFY", "the user may modify files on the work system")
permission, _ = call("files", "getPermissions", systemId=READONLY, path="/")
check(permission.permission == "READ", "the archive system is read-only")

# --- transfer task -----------------------------------------------------------------------------------------------
task, _ = call("files", "createTransferTask", tag="fidelity",
               elements=[{"sourceURI": f"tapis://{READONLY}/LICENSE.txt",
                          "destinationURI": f"tapis://{WORK}/imported/LICENSE.txt"}])
check(task.status == "ACCEPTED" and task.parentTasks[0].sourceURI.endswith("LICENSE.txt"), "a new task is ACCEPTED")
seen = [task.status]
deadline = time.time() + 60
while task.status not in ("COMPLETED", "FAILED") and time.time() < deadline:
    time.sleep(0.05)
    task, _ = call("files", "getTransferTask", transferTaskId=task.uuid)
    if task.status != seen[-1]:
        seen.append(task.status)
check(seen[-1] == "COMPLETED" and "IN_PROGRESS" in seen, f"the task moves through its states: {seen}")
check(local_file(WORK, "imported/LICENSE.txt") == local_file(READONLY, "LICENSE.txt"), "the task copied the file")

# --- jobs --------------------------------------------------------------------------------------------------------
jobs, _ = call("jobs", "getJobList")
by_uuid = {job.uuid: job for job in jobs}
check(FINISHED_JOB in by_uuid and RUNNING_JOB in by_uuid, "getJobList lists both jobs")
check(by_uuid[FINISHED_JOB].status == "FINISHED" and by_uuid[RUNNING_JOB].status == "RUNNING", "job states")
job, _ = call("jobs", "getJob", jobUuid=FINISHED_JOB)
check(job.uuid == FINISHED_JOB and job.archiveSystemId, "getJob returns the job")
history, _ = call("jobs", "getJobHistory", jobUuid=FINISHED_JOB)
check([event.eventDetail for event in history][-1] == "FINISHED", "the history ends FINISHED")
outputs, _ = call("jobs", "getJobOutputList", jobUuid=FINISHED_JOB, outputPath="/")
names = {entry.name: entry for entry in outputs}
check("inversion.out" in names and names["model"].type == "dir", f"getJobOutputList: {sorted(names)}")
paged, _ = call("jobs", "getJobOutputList", jobUuid=FINISHED_JOB, outputPath="/", limit=1, skip=1)
check([entry.name for entry in paged] == [entry.name for entry in outputs[1:2]], "limit/skip page the outputs")
nested, _ = call("jobs", "getJobOutputList", jobUuid=FINISHED_JOB, outputPath="model")
check({entry.name for entry in nested} == {"velocity.csv", "README.txt"}, "a nested output folder lists")
downloaded = client.jobs.getJobOutputDownload(jobUuid=FINISHED_JOB, outputPath="inversion.out")
with open(os.path.join(STATE_DIR, "jobs", FINISHED_JOB, "outputs", "inversion.out"), "rb") as handle:
    check(downloaded == handle.read(), "getJobOutputDownload returns the output's bytes")
call_error("jobs", "getJobOutputList", errors.BadRequestError, 400, jobUuid=RUNNING_JOB, outputPath="/")
running, _ = call("jobs", "getJobOutputList", jobUuid=RUNNING_JOB, outputPath="/", allowIfRunning=True)
check("forecast.out" in {entry.name for entry in running}, "allowIfRunning lists a running job's outputs")

# --- expiry: the server refuses the token, a new grant works -----------------------------------------------------
call_error("files", "listFiles", errors.UnauthorizedError, 401, systemId=WORK, path="expire-here")
call_error("files", "listFiles", errors.UnauthorizedError, 401, systemId=WORK, path="/")
client.get_tokens()
again, _ = call("files", "listFiles", systemId=WORK, path="/")
check({"moved.bin", "made", "imported", "uploads"} <= {entry.name for entry in again},
      "after a new password grant the listing works again")

check(not REFUSED, f"tapipy tried to reach the network while talking to the emulator: {REFUSED}")
print(json.dumps(CHECKS, indent=1, ensure_ascii=False))
print(f"refused while tapipy loaded its specs: {sorted(STARTUP_REFUSED) or 'nothing'}")
print(f"{len(CHECKS)} checks; ALL CHECKS PASSED")
