"""Listings now carry their dealer's score and their price badge (marketplace 0004): fill them from what the
nightly jobs stored before."""

from django.db import migrations


def copy(apps, schema_editor):
    Listing = apps.get_model("marketplace", "Listing")
    DealerScore = apps.get_model("insights", "DealerScore")
    PriceAssessment = apps.get_model("insights", "PriceAssessment")
    for dealer_id, score in DealerScore.objects.values_list("dealer_id", "score"):
        Listing.objects.filter(dealer_id=dealer_id).update(dealer_score=score)
    for badge in PriceAssessment.objects.exclude(badge="").values_list("badge", flat=True).distinct():
        ids = PriceAssessment.objects.filter(badge=badge).values("listing_id")
        Listing.objects.filter(pk__in=ids).update(price_badge=badge)


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial"), ("marketplace", "0004_listing_card_copies")]
    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
