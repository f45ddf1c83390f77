"""`python -m local`: the whole API on 127.0.0.1 with demo data, AWS emulated by moto in server mode."""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

STATE = Path(__file__).resolve().parent / ".state"


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--no-seed", action="store_true", help="start empty, without demo data")
    parser.add_argument("--ready-file", help="write the URL and demo tokens here as JSON once serving")
    parser.add_argument("--quiet", action="store_true", help="print only the URL")
    args = parser.parse_args()

    from local import cloud as cloud_module
    from local import env

    env.credentials()
    cloud = cloud_module.start()
    env.configure(cloud.endpoint)  # before anything imports `casework`

    from local import template
    from local.drivers import Drivers
    from local.gateway import Gateway
    from local.lambdas import Instances
    from local.seed import PASSWORD, seed

    users = [] if args.no_seed else seed(cloud)
    invoke = Instances()
    drivers = Drivers(cloud, invoke)
    gateway = Gateway(cloud, drivers, invoke, host=args.host, port=args.port)
    gateway.start()
    drivers.start()
    # One warm instance of each function, one after another in the background (provisioned concurrency, in
    # effect): the first calls of a walkthrough don't each wait for a cold start.
    def warm_each() -> None:
        for function in template.functions().values():
            invoke.warm(function)

    threading.Thread(target=warm_each, daemon=True).start()

    tokens = {u.variable: gateway.token(u.email, PASSWORD)[1]["idToken"] for u in users}
    ready = {
        "url": gateway.url,
        "aws": cloud.endpoint,
        "userPoolId": cloud.user_pool_id,
        "clientId": cloud.client_id,
        "password": PASSWORD,
        "users": [{"variable": u.variable, "service": u.service_id, "group": u.group, "email": u.email,
                   "userId": u.user_id, "token": tokens[u.variable]} for u in users],
    }
    STATE.mkdir(exist_ok=True)
    (STATE / "tokens.env").write_text(
        f"export CASEWORK={gateway.url}\n" + "".join(f"export {k}={v}\n" for k, v in tokens.items())
    )
    if args.ready_file:  # whole or not at all: a reader waiting for the file never sees it half written
        partial = Path(args.ready_file).with_suffix(".partial")
        partial.write_text(json.dumps(ready))
        partial.replace(args.ready_file)
    _announce(ready, quiet=args.quiet)

    stop = threading.Event()

    def on_signal(*_: object) -> None:
        if stop.is_set():  # a second Ctrl-C: leave at once
            os._exit(1)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()

    def shut_down() -> None:
        drivers.stop()
        gateway.stop()
        invoke.close()
        cloud.stop()

    # Never outlive a stop request: whatever a handler or moto is doing, the process ends within seconds.
    closer = threading.Thread(target=shut_down, daemon=True)
    closer.start()
    closer.join(timeout=8)
    sys.stdout.flush()
    os._exit(0)


def _announce(ready: dict[str, Any], quiet: bool) -> None:
    print(f"casework is serving on {ready['url']}", flush=True)
    if quiet:
        return
    print(f"  OpenAPI  {ready['url']}/openapi.json    Swagger UI  {ready['url']}/docs")
    print(f"  AWS (moto server)  {ready['aws']}    user pool  {ready['userPoolId']}")
    if ready["users"]:
        print(f"\nDemo users (password {ready['password']}); ID tokens, valid for an hour:")
        for user in ready["users"]:
            print(f"  {user['variable']:<22} {user['group']:<24} {user['email']}")
        print("\nLoad every token into your shell:   source local/.state/tokens.env")
        print("Then try:                           curl -s $CASEWORK/me -H \"Authorization: Bearer $COMMUNITY_LEADER\"")
        print("A fresh token:                      curl -s -X POST $CASEWORK/local/token "
              f"-d '{{\"email\": \"leader.community@casework.example.org\", \"password\": \"{ready['password']}\"}}'")
        print("\nTokens:")
        for user in ready["users"]:
            print(f"  {user['variable']}={user['token']}")
    print("\nStop with Ctrl-C.", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
