"""A gRPC server on C-core (Debian's python3-grpcio), for h2doctor's probe tests.

Serves grpc.health.v1.Health/Check (SERVING) with generic handlers and hand-encoded protobuf,
because grpcio-health-checking is not packaged in Debian. Channel args come as JSON in argv[1]
(e.g. {"grpc.keepalive_permit_without_calls": 1}). Prints "port N" once listening; stops when
its stdin closes.
"""
import json
import sys
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


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=list(args.items()))
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(check)},
    )
    echo_handler = grpc.method_handlers_generic_handler(
        "h2doctor.test.Echo",
        {"Echo": grpc.unary_unary_rpc_method_handler(echo), "Slow": grpc.unary_unary_rpc_method_handler(slow)},
    )
    server.add_generic_rpc_handlers((handler, echo_handler))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"port {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
