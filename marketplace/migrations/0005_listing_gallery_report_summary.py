from django.db import migrations, models


def copy_galleries(apps, schema_editor):
    """Existing listings: the gallery from their photos, in order."""
    Listing = apps.get_model("marketplace", "Listing")
    Photo = apps.get_model("marketplace", "ListingPhoto")
    galleries: dict[int, list] = {}
    for listing_id, display, thumb in Photo.objects.order_by("listing_id", "position", "pk").values_list(
        "listing_id", "display", "thumbnail"
    ):
        galleries.setdefault(listing_id, []).append([display, thumb])
    for listing_id, gallery in galleries.items():
        Listing.objects.filter(pk=listing_id).update(gallery=gallery)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0004_listing_card_copies")]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="gallery",
            field=models.JSONField(blank=True, default=list, verbose_name="gallery"),
        ),
        migrations.AddField(
            model_name="listing",
            name="report_summary",
            field=models.JSONField(blank=True, default=dict, verbose_name="inspection summary"),
        ),
        migrations.RunPython(copy_galleries, migrations.RunPython.noop),
    ]
