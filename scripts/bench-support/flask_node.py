"""A minimal causal key-value node in the original Flask nodes' style, for
scripts/bench --nodes only (it is NOT part of the product; causal-node is).

Same API and configuration as the original: NODE_ID, NUM_NODES, PORT, PEERS.
State in memory, one lock; a write is posted to every peer inline, before
the write is answered, as the original did. Its two bugs are fixed so that
a benchmark can converge: the buffer is flushed to a fixpoint, and a
duplicate is discarded instead of buffered for ever.
"""

import json
import logging
import os
import threading
import urllib.request

from flask import Flask, jsonify, request

NODE_ID = int(os.environ["NODE_ID"])
NUM_NODES = int(os.environ.get("NUM_NODES", "3"))
PORT = int(os.environ.get("PORT", "5000"))
PEERS = [p.strip().rstrip("/") for p in os.environ.get("PEERS", "").split(",") if p.strip()]

app = Flask(__name__)
logging.getLogger("werkzeug").setLevel(logging.ERROR)

lock = threading.Lock()
store = {}
vector_clock = [0] * NUM_NODES
buffer = []
seen = set()  # (sender, its entry): what was delivered or is buffered


def deliverable(message):
    sender, clock = message["sender"], message["clock"]
    if clock[sender] != vector_clock[sender] + 1:
        return False
    return all(clock[k] <= vector_clock[k] for k in range(NUM_NODES) if k != sender)


def deliver(message):
    store[message["key"]] = message["value"]
    for k in range(NUM_NODES):
        vector_clock[k] = max(vector_clock[k], message["clock"][k])


def flush():
    progress = True
    while progress:
        progress = False
        for message in list(buffer):
            if deliverable(message):
                buffer.remove(message)
                deliver(message)
                progress = True


def send(peer, message):
    body = json.dumps(message).encode()
    req = urllib.request.Request(
        peer + "/replicate", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except Exception as e:  # the original printed the error and moved on
        print(f"replication to {peer} failed: {e}", flush=True)


@app.route("/put", methods=["POST"])
def put():
    data = request.get_json()
    with lock:
        vector_clock[NODE_ID] += 1
        store[data["key"]] = data["value"]
        message = {
            "key": data["key"],
            "value": data["value"],
            "sender": NODE_ID,
            "clock": list(vector_clock),
        }
        clock = list(vector_clock)
    for peer in PEERS:
        send(peer, message)
    return jsonify({"status": "stored", "vector_clock": clock})


@app.route("/replicate", methods=["POST"])
def replicate():
    message = request.get_json()
    dot = (message["sender"], message["clock"][message["sender"]])
    with lock:
        if dot in seen:
            return jsonify({"status": "discarded"})
        seen.add(dot)
        if deliverable(message):
            deliver(message)
            flush()
            return jsonify({"status": "applied"})
        buffer.append(message)
        return jsonify({"status": "buffered"}), 202


@app.route("/store", methods=["GET"])
def get_store():
    with lock:
        return jsonify({"store": store, "vector_clock": vector_clock, "buffered": buffer})


@app.route("/", methods=["GET"])
def running():
    return f"Node {NODE_ID} is running"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=PORT, threaded=True)
