"""The load test's two accounts, with the passwords it chose (run inside the test's environment).

python -m loadtest.users   (reads LOADTEST_SECRETARIAT_PASSWORD, LOADTEST_PARTNER_PASSWORD)
"""

from __future__ import annotations

import os

# (username, role, organisation key, environment variable holding the password). The partner
# editor belongs to the IDB, which reports a share of the generated corpus (XM-DAC-909), so it
# has activities of its own to edit.
ACCOUNTS = (
    ("loadtest-secretariat", "secretariat", "wco", "LOADTEST_SECRETARIAT_PASSWORD"),
    ("loadtest-partner", "partner_editor", "idb", "LOADTEST_PARTNER_PASSWORD"),
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
    import django

    django.setup()
    from cbcoord.accounts.models import Role, User
    from cbcoord.registry.models import Organisation

    for username, role, organisation_key, variable in ACCOUNTS:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "role": Role(role),
                "organisation": Organisation.objects.get(key=organisation_key),
                "is_active": True,
            },
        )
        user.set_password(os.environ[variable])
        user.save()
        print(f"account {username} ({role}, {organisation_key})")


if __name__ == "__main__":
    main()
