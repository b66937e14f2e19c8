"""Every model change ships with its migration: a fresh install builds the same schema the code expects."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (run `reelbox manage makemigrations`):\n{out.getvalue()}"
                    if exit_.code else out.getvalue())
