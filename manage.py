"""Administration from the command line (the same database as the app: DATABASE_URL or data/workbench.db).

    python manage.py prepare                               # migrations, demo, first admin; says how to sign in
    python manage.py create-admin EMAIL [--name NAME]      # asks for the password (or WORKBENCH_ADMIN_PASSWORD)
    python manage.py set-password EMAIL                    # a new password for an account that forgot its own
"""

import argparse
import getpass
import os
import sys

from models.db import create_db_engine, read_session, upgrade_to_head
from services import accounts, startup
from services.core import DomainError
from services.unit_of_work import unit_of_work


def _password() -> str:
    return os.environ.get("WORKBENCH_ADMIN_PASSWORD") or getpass.getpass("Password (at least 10 characters): ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="bring the database up to date and say how to sign in")
    admin = commands.add_parser("create-admin", help="create a site administrator")
    admin.add_argument("email")
    admin.add_argument("--name", default="Admin")
    reset = commands.add_parser("set-password", help="set a new password for an account")
    reset.add_argument("email")
    args = parser.parse_args(argv)
    engine = create_db_engine()
    upgrade_to_head(engine)
    try:
        if args.command == "prepare":
            first = startup.prepare(engine, admin_email=os.environ.get("WORKBENCH_ADMIN_EMAIL"),
                                    admin_password=os.environ.get("WORKBENCH_ADMIN_PASSWORD"))
            if first is not None and first.password:
                print(f"\n  Journey Workbench: sign in as {first.email} with password {first.password}\n")  # noqa: T201
            elif first is not None:
                print(f"\n  Journey Workbench: sign in as {first.email} with the password in WORKBENCH_ADMIN_PASSWORD\n")  # noqa: T201
            else:
                print("\n  Journey Workbench: sign in with your account "  # noqa: T201
                      "(lost the password? python manage.py set-password EMAIL)\n")
            return 0
        if args.command == "create-admin":
            with unit_of_work(engine, "manage.py") as session:
                accounts.create_account(session, args.email, args.name, _password(), site_admin=True)
        else:
            with read_session(engine) as session:
                account = accounts.account_for_email(session, args.email)
            if account is None:
                print("No active account with this e-mail address.", file=sys.stderr)  # noqa: T201
                return 1
            with unit_of_work(engine, "manage.py") as session:
                accounts.set_password(session, account.id, _password())  # type: ignore[arg-type]
    except DomainError as err:
        print(err.render(), file=sys.stderr)  # noqa: T201
        return 1
    print("Done.")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
