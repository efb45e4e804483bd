"""A dealer's city comes from the shared vocabulary (core.places): existing values typed as "杭州市" or "Hangzhou"
become the vocabulary's "杭州"; a value it does not know is kept as it is."""

import core.places
from django.db import migrations, models


def normalise_cities(apps, schema_editor):
    DealerProfile = apps.get_model("accounts", "DealerProfile")
    for profile in DealerProfile.objects.only("pk", "city").iterator():
        city = core.places.city_normalise(profile.city)
        if city and city != profile.city:
            DealerProfile.objects.filter(pk=profile.pk).update(city=city)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dealerprofile',
            name='city',
            field=models.CharField(choices=core.places.city_choices, db_index=True, max_length=40, verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='dealerprofile',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.RunPython(normalise_cities, migrations.RunPython.noop),
    ]
