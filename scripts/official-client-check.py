#!/usr/bin/env python3
"""Runs Crisp's official Python client (PyPI crisp-api), unchanged, against the sandbox: the measure of the
sandbox's fidelity. Usage: official-client-check.py BASE_URL WEBSITE_ID IDENTIFIER KEY (BASE_URL without /v1).
Exits non-zero on the first failed check."""
import sys

from crisp_api import Crisp
from crisp_api.errors.route import RouteError

base, website, identifier, key = sys.argv[1:5]
checks = 0


def check(name, condition):
    global checks
    checks += 1
    if not condition:
        sys.exit(f"official client check failed: {name}")


def client(k=key):
    c = Crisp()
    c.set_rest_host(base)
    c.set_tier("plugin")
    c.authenticate(identifier, k)
    return c


def error_of(call):
    try:
        call()
    except RouteError as e:
        return e.args[0]
    return None


crisp = client()
w = crisp.website
added = w.add_new_people_profile(website, {"email": "ada+crm@example.com", "person": {"nickname": "Ada Lovelace"}})
people_id = added["people_id"]
check("add returns people_id", len(people_id) > 0)
check("HEAD finds the profile", w.check_people_profile_exists(website, people_id) == {})
check("get by email", w.get_people_profile(website, "ada+crm@example.com")["people_id"] == people_id)
w.update_people_profile(website, people_id, {"segments": ["hubspot"], "person": {"nickname": "Ada L."}})
profile = w.get_people_profile(website, people_id)
check("update changed the profile", profile["segments"] == ["hubspot"] and profile["person"]["nickname"] == "Ada L.")
w.save_people_data(website, people_id, {"data": {"plan": "pro", "seats": 3}})
w.update_people_data(website, people_id, {"data": {"seats": 4, "trial": False}})
check("data merged", w.get_people_data(website, people_id) == {"data": {"plan": "pro", "seats": 4, "trial": False}})
w.add_people_event(website, people_id, {"text": "Created in HubSpot", "color": "orange", "data": {"source": "form"}})
events = w.list_people_events(website, people_id, 1)
check("event listed", events[0]["text"] == "Created in HubSpot" and events[0]["color"] == "orange")
check("profiles listed", [p["people_id"] for p in w.list_people_profiles(website, 1)] == [people_id])
check("statistics", w.get_people_statistics(website) == {"total": 1})
check("segments listed (the client's older route)", w.list_people_segments(website, 1) == [{"segment": "hubspot", "count": 1}])
check("subscription", w.get_people_subscription_status(website, people_id) == {"email": True})
w.update_people_subscription_status(website, people_id, {"email": False})
check("subscription changed", w.get_people_subscription_status(website, people_id) == {"email": False})

duplicate = error_of(lambda: w.add_new_people_profile(website, {"email": "ada+crm@example.com", "person": {"nickname": "A"}}))
check("duplicate is people_exists", duplicate is not None and duplicate["message"] == "people_exists")
invalid = error_of(lambda: w.add_people_event(website, people_id, [{"text": "as a list"}]))
check("invalid_data", invalid is not None and invalid["message"] == "invalid_data" and invalid["code"] == 400)
missing = error_of(lambda: w.get_people_profile(website, "nobody@example.com"))
check("people_not_found", missing is not None and missing["message"] == "people_not_found" and missing["code"] == 404)
head_missing = error_of(lambda: w.check_people_profile_exists(website, "nobody@example.com"))
check("HEAD of a missing profile is 404", head_missing is not None and head_missing["code"] == 404)
unauthorized = error_of(lambda: client("wrong").website.get_people_statistics(website))
check("wrong key is unauthorized", unauthorized is not None and unauthorized["code"] == 401)

w.remove_people_profile(website, people_id)
check("removed", w.get_people_statistics(website) == {"total": 0})
# Conversations: meta (read, merged data written whole) and private notes, as crisp.conversation and crisp.note
session_id = w.create_new_conversation(website)["session_id"]
check("a conversation is created", session_id.startswith("session_"))
w.update_conversation_metas(website, session_id, {"data": {"order_id": "A-1001"}, "segments": ["vip"]})
meta = w.get_conversation_metas(website, session_id)
check("meta written", meta["data"] == {"order_id": "A-1001"} and meta["segments"] == ["vip"])
w.update_conversation_metas(website, session_id, {"data": {**meta["data"], "plan": "pro"}, "email": "lena@example.com"})
meta = w.get_conversation_metas(website, session_id)
check("meta merged", meta["data"] == {"order_id": "A-1001", "plan": "pro"} and meta["email"] == "lena@example.com")
sent = w.send_message_in_conversation(
    website, session_id, {"type": "note", "from": "operator", "origin": "chat", "content": "HubSpot: Lena (customer)"})
check("a note is sent", "fingerprint" in sent)
messages = w.get_messages_in_conversation(website, session_id, {})
check("the note is listed", [(m["type"], m["content"]) for m in messages] == [("note", "HubSpot: Lena (customer)")])
no_session = error_of(lambda: w.get_conversation_metas(website, "session_00000000-0000-0000-0000-000000000000"))
check("session_not_found", no_session is not None and no_session["message"] == "session_not_found" and no_session["code"] == 404)
print(f"official Python client (crisp-api): {checks} checks passed against the sandbox")
