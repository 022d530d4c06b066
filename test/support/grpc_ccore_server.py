"""A gRPC server on C-core (Debian's python3-grpcio), for h2doctor's probe tests.

Serves grpc.health.v1.Health/Check (SERVING) with generic handlers and hand-encoded protobuf,
because grpcio-health-checking is not packaged in Debian. Channel args come as JSON in argv[1]
(e.g. {"grpc.keepalive_permit_without_calls": 1}). Prints "port N" once listening; stops when
its stdin closes.
"""
import json
import random
import sys
import threading
import time
from concurrent import futures

import grpc


def check(request, context):
    # HealthCheckResponse{status: SERVING}: field 1, varint 1.
    return b"\x08\x01"


def echo(request, context):
    return request


def slow(request, context):
    # Holds a call open without writing: C-core forgives PING strikes whenever it writes.
    time.sleep(7)
    return request


# Flaky fails a random 10 % of calls with UNAVAILABLE (seeded), counting every call it answers
# by status; Counts returns those counts as JSON, so a test compares them with what the client saw.
flaky_random = random.Random(16)
flaky_counts = {}
flaky_lock = threading.Lock()


def flaky(request, context):
    with flaky_lock:
        fail = flaky_random.random() < 0.1
        name = "UNAVAILABLE" if fail else "OK"
        flaky_counts[name] = flaky_counts.get(name, 0) + 1
    if fail:
        context.abort(grpc.StatusCode.UNAVAILABLE, "shedding load (test)")
    return request


def counts(request, context):
    with flaky_lock:
        return json.dumps(flaky_counts).encode()


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=list(args.items()))
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(check)},
    )
    echo_handler = grpc.method_handlers_generic_handler(
        "h2doctor.test.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(echo),
            "Slow": grpc.unary_unary_rpc_method_handler(slow),
            "Flaky": grpc.unary_unary_rpc_method_handler(flaky),
            "Counts": grpc.unary_unary_rpc_method_handler(counts),
        },
    )
    server.add_generic_rpc_handlers((handler, echo_handler))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"port {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
