"""Starts the pinned moto server on a free loopback port for apigw-doctor's tests and demo.

Prints the port on the first line of stdout, then serves until standard input closes (tests:
the server dies with the test process that holds the pipe) or, with --forever, until killed.
Moto is extended in-process by ext.py (see its docstring for the gaps it closes and the
GET /moto-api/apigw-doctor/state dump); `python tests/moto/ext_check.py` proves it. State machine
executions run here, and a Lambda function with MOTO_EXT_LOCAL_BOOTSTRAP runs on this machine
(gaps 31 and 32); tests/moto/sweep_machine.py drives the template's sweep state machine.
"""

import argparse
import logging
import os
import sys

import moto

PINNED_MOTO = "5.2.5"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forever", action="store_true", help="serve until killed")
    args = parser.parse_args()
    if moto.__version__ != PINNED_MOTO:
        sys.exit(f"moto {moto.__version__} found, the tests are pinned to {PINNED_MOTO}: run `make venv`")

    # The extension lives next to this script; load it before the server builds its url maps.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ext

    try:
        ext.install()
    except ext.MotoExtensionOutdated as err:
        sys.exit(str(err))

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    # Before the first request: the Step Functions interpreter calls Lambda on this port (gap 32).
    ext.serving_on(port)
    print(port, flush=True)
    try:
        if args.forever:
            import threading

            threading.Event().wait()
        else:
            sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
