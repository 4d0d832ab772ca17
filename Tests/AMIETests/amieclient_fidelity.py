"""Drives the AMIE emulator with the real amieclient from PyPI and asserts on what comes back.

Usage: amieclient_fidelity.py BASE_URL SITE API_KEY PROJECT_REQUEST_REC_ID
Prints "ALL CHECKS PASSED" at the end; any failed assertion exits non-zero with a traceback.
"""
import sys
from datetime import datetime, timedelta

from amieclient import AMIEClient
from amieclient.client import AMIERequestError
from amieclient.packet import NotifyProjectCreate, InformTransactionComplete, NotifyAccountCreate

base_url, site, api_key, request_id = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = AMIEClient(site_name=site, api_key=api_key, amie_url=base_url)

# list_packets, with the filters amieclient sends.
incoming = client.list_packets(incoming=True)
types = sorted(p.packet_type for p in incoming.packets)
assert "request_project_create" in types and "request_account_create" in types, types
assert all(p.outgoing_flag is False for p in incoming.packets)
assert client.list_packets(outgoing=True).packets == []
in_progress = client.list_packets(transaction_states=["in-progress"], update_time_start=datetime.utcnow() - timedelta(days=1))
assert len(in_progress.packets) == len(incoming.packets), (len(in_progress.packets), len(incoming.packets))
assert client.list_packets(update_time_until=datetime.utcnow() - timedelta(days=30)).packets == []

# get_packet: body keys (including unknown ones) and header fields come back as amieclient models them.
rpc = client.get_packet(packet_rec_id=request_id)
assert rpc.packet_type == "request_project_create"
assert rpc.GrantNumber == "CHE230042" and rpc.ResourceList == ["bridges2-cpu.psc.access-ci"]
assert rpc.StartDate.year == 2024 and rpc.additional_data.get("FavoriteColour") == "teal", rpc.additional_data
assert rpc.validate_data() and rpc.missing_attributes() == []

# set_packet_client_state, then filter on it.
client.set_packet_client_state(rpc, "processing")
assert client.get_packet(packet_rec_id=request_id).client_state == "processing"
assert [p.packet_rec_id for p in client.list_packets(client_states=["processing"]).packets] == [request_id]
client.set_packet_client_json(rpc, {"ticket": 42})
assert client.get_packet(packet_rec_id=request_id).client_json == {"ticket": 42}

# send_packet: a reply built by amieclient itself; the server infers what the reply leaves out.
npc = rpc.reply_packet()
assert isinstance(npc, NotifyProjectCreate)
npc.PiPersonID = "u-ada"
npc.PiRemoteSiteLogin = "aokafor"
npc.ProjectID = "p-che230042"
response = client.send_packet(npc)
assert response.status_code == 200
sent = response.json()["result"]
assert sent["type"] == "notify_project_create" and sent["header"]["outgoing_flag"] is True
assert sent["body"]["GrantNumber"] == "CHE230042", "inferred from the request"

# The remote side answered with data_project_create; the site closes the transaction with an ITC.
tx = client.get_transaction(transaction_or_id=rpc.trans_rec_id)
assert [p.packet_type for p in tx.packets] == ["request_project_create", "notify_project_create", "data_project_create"], \
    [p.packet_type for p in tx.packets]
dpc = tx.packets[-1]
itc = dpc.reply_packet()
assert isinstance(itc, InformTransactionComplete)
itc.StatusCode, itc.DetailCode, itc.Message = "Success", "1", "OK"
client.send_packet(itc)
assert client.get_transaction(transaction_or_id=rpc.trans_rec_id).state == "completed"

# An invalid packet is refused by the server too (skip the client's own check to reach it).
bad = NotifyAccountCreate(ProjectID="p-x")
try:
    client.send_packet(bad, skip_validation=True)
    raise AssertionError("the server accepted a packet with missing keys")
except AMIERequestError as error:
    assert "Missing required" in str(error), str(error)

# set_transaction_failed on the account transaction.
rac = [p for p in incoming.packets if p.packet_type == "request_account_create"][0]
client.set_transaction_failed(transaction_or_id=rac.trans_rec_id)
assert client.get_transaction(transaction_or_id=rac.trans_rec_id).state == "failed"
assert rac.packet_rec_id in [p.packet_rec_id for p in client.list_packets(transaction_states=["failed"]).packets]

# Authentication: a wrong key is an AMIERequestError with the server's message.
try:
    AMIEClient(site_name=site, api_key="wrong", amie_url=base_url).list_packets()
    raise AssertionError("a wrong API key was accepted")
except AMIERequestError as error:
    assert "API key" in str(error), str(error)

print("ALL CHECKS PASSED")
