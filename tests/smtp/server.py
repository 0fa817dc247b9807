"""A real SMTP server for the e-mail channel's tests: aiosmtpd (Debian's
python3-aiosmtpd) with the options the test asks for, writing every message
it accepts into a Maildir the test reads back.

usage: server.py PORT MAILDIR [--starttls CERT KEY] [--tls CERT KEY] [--auth USER PASS]
Prints "ready" once it listens; ends on SIGTERM or when stdin closes.
"""
import argparse
import mailbox
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("maildir")
    p.add_argument("--starttls", nargs=2)
    p.add_argument("--tls", nargs=2)
    p.add_argument("--auth", nargs=2)
    a = p.parse_args()
    mailbox.Maildir(a.maildir, create=True)
    kwargs = {}
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.starttls)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.tls)
        kwargs.update(server_hostname="localhost", ssl_context=ctx)
    if a.auth:
        user, password = a.auth

        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and \
                auth_data.login.decode() == user and auth_data.password.decode() == password
            # handled=False: the server answers (535 for a wrong password).
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=check, auth_required=True,
                      auth_require_tls=bool(a.starttls or a.tls))
    controller = Controller(Mailbox(a.maildir), hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    print("ready", flush=True)
    # Ends when the test closes stdin (or kills it by its pid).
    threading.Thread(target=sys.stdin.read, daemon=False).run()
    controller.stop()


if __name__ == "__main__":
    main()
