from django.db import migrations, models
from django.db.models import F


def creators_are_admins(apps, schema_editor):
    Member = apps.get_model("messaging", "Member")
    Member.objects.filter(conversation__is_group=True, user_id=F("conversation__created_by_id")).update(is_admin=True)


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="is_admin",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="member",
            name="since_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(creators_are_admins, migrations.RunPython.noop),
    ]
