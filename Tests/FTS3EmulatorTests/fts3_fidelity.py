"""Drives the sciencefs FTS3 emulator with the real `fts3` client (fts3.rest.client.easy) from PyPI.

Run by FTS3FidelityTests.swift with one argument, a JSON file naming the endpoint, the user certificate and
key, the expected DN and the transfers to submit. X509_CERT_DIR points at the test CA, so the client verifies
the emulator's server certificate exactly as it would a real FTS3 server's. Every check raises on failure;
the last line printed is "ALL CHECKS PASSED".
"""

import json
import re
import sys
import time

import fts3.rest.client.easy as fts3
from fts3.rest.client import Delegator
from fts3.rest.client.exceptions import NotFound

TERMINAL = ("FINISHED", "FAILED", "FINISHEDDIRTY", "CANCELED")


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def wait_for(context, job_id, timeout=60):
    deadline = time.time() + timeout
    seen = []
    while True:
        status = fts3.get_job_status(context, job_id)
        if not seen or seen[-1] != status["job_state"]:
            seen.append(status["job_state"])
        if status["job_state"] in TERMINAL:
            return status, seen
        if time.time() > deadline:
            raise AssertionError("job %s still %s after %d s" % (job_id, status["job_state"], timeout))
        time.sleep(0.05)


def main(config_path):
    with open(config_path) as handle:
        config = json.load(handle)

    context = fts3.Context(config["endpoint"], ucert=config["ucert"], ukey=config["ukey"], verify=True)
    check(context.get_endpoint_info()["api"]["major"] == 3, "GET / answers the version document")

    who = fts3.whoami(context)
    check(who["user_dn"] == config["dn"], "whoami reports the certificate's DN")
    check(who["method"] == "certificate", "whoami reports the certificate method")
    check(re.fullmatch(r"[0-9a-f]{16}", who["delegation_id"]) is not None, "the delegation id is 16 hex digits")
    check(config["vo"] in who["vos"], "whoami lists the VO")

    # 1. A verified transfer. submit() delegates first: whoami, GET /delegation/{id}, the request, PUT of the proxy.
    transfer = fts3.new_transfer(config["source"], config["destination"], checksum="ADLER32:" + config["adler32"],
                                 filesize=config["size"], metadata={"purpose": "fidelity"})
    job = fts3.new_job([transfer], verify_checksum=True, metadata={"suite": "fts3_fidelity"}, priority=4)
    job_id = fts3.submit(context, job)
    check(re.fullmatch(r"[0-9a-f-]{36}", job_id) is not None, "submit returns a job id")

    info = Delegator(context).get_info()
    check(info is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", info["termination_time"]),
          "the delegated proxy was stored with a termination time")

    status, seen = wait_for(context, job_id)
    check(status["job_state"] == "FINISHED", "the transfer finished (states seen: %s)" % seen)
    check(seen[-1] == "FINISHED" and "ACTIVE" in seen, "the job went through ACTIVE")
    check(status["verify_checksum"] == "b", "verify_checksum=True is stored as 'b'")
    check(status["priority"] == 4, "the priority is kept")
    check(status["job_metadata"] == {"suite": "fts3_fidelity"}, "the job metadata is kept")
    check(status["user_dn"] == config["dn"], "the job belongs to the user")
    check(status["job_finished"] is not None, "job_finished is set")

    detailed = fts3.get_job_status(context, job_id, list_files=True)
    files = detailed["files"]
    check(len(files) == 1, "one file row")
    check(files[0]["file_state"] == "FINISHED", "the file finished")
    check(files[0]["filesize"] == config["size"], "the file size is reported")
    check(files[0]["checksum"].lower() == ("adler32:" + config["adler32"]).lower(), "the checksum is reported")
    check(files[0]["file_metadata"] == {"purpose": "fidelity"}, "the file metadata is kept")
    check(detailed["dm"] == [], "no data-management rows")

    # A second submission reuses the delegation (7 h left, more than the 2 h threshold).
    again = fts3.delegate(context)
    check(again == who["delegation_id"], "delegate() returns the same id without delegating again")

    # 2. Cancel a job with several files while it runs.
    cancel_files = [fts3.new_transfer(pair[0], pair[1]) for pair in config["cancel_transfers"]]
    cancel_id = fts3.submit(context, fts3.new_job(cancel_files))
    canceled = fts3.cancel(context, cancel_id)
    check(canceled["job_state"] == "CANCELED", "cancel leaves the job CANCELED")
    final, _ = wait_for(context, cancel_id)
    check(final["job_state"] == "CANCELED", "the canceled job stays CANCELED")
    rows = fts3.get_job_status(context, cancel_id, list_files=True)["files"]
    check(all(row["file_state"] == "CANCELED" for row in rows), "every file of the canceled job is CANCELED")

    # Canceling a finished job is not an error.
    finished = fts3.cancel(context, job_id)
    check(finished["job_state"] == "FINISHED", "cancel of a finished job returns its final state")
    check(finished["http_status"] == "304 Not Modified", "... with http_status 304 Not Modified")

    # 3. A wrong source checksum fails the transfer.
    bad = fts3.new_transfer(config["source"], config["bad_destination"], checksum="ADLER32:" + config["wrong_adler32"])
    bad_id = fts3.submit(context, fts3.new_job([bad], verify_checksum="source"))
    bad_status, _ = wait_for(context, bad_id)
    check(bad_status["job_state"] == "FAILED", "a checksum mismatch fails the job")
    reason = fts3.get_job_status(context, bad_id, list_files=True)["files"][0]["reason"]
    check(reason.startswith("SOURCE") and "checksum mismatch" in reason.lower(), "the reason names the source checksum: " + reason)

    # 4. Several ids at once, and an unknown id.
    statuses = fts3.get_jobs_statuses(context, [job_id, bad_id])
    check([s["job_state"] for s in statuses] == ["FINISHED", "FAILED"], "get_jobs_statuses returns both jobs")
    try:
        fts3.get_job_status(context, "00000000-0000-0000-0000-000000000000")
        raise AssertionError("an unknown job id did not raise")
    except NotFound:
        print("ok: an unknown job id raises NotFound")

    listed = fts3.list_jobs(context, state_in=["FINISHED", "FAILED", "CANCELED"])
    check(isinstance(listed, list), "list_jobs answers a list")

    print("ALL CHECKS PASSED")


if __name__ == "__main__":
    main(sys.argv[1])
