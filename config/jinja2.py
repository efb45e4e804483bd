"""The Jinja2 environment (``TEMPLATES[1]``): core's helpers plus what the site frame needs from the apps."""

from django.contrib.messages import get_messages

from core.jinja import base_environment
from insights.models import DealerScore, PriceAssessment
from inspections.summary import inspection_summary
from jinja2 import Environment
from marketplace import vocabularies
from notifications.selectors import unread_count


def environment(**options) -> Environment:
    env = base_environment(**options)
    env.globals.update(
        unread_count=unread_count,
        site_messages=get_messages,
        # The insights app's looks of the price badge and dealer score that cards print (marketplace stores codes).
        price_badge=PriceAssessment.badge_look,
        score_level=DealerScore.level_of,
        # What other apps show in their slots of a car's page (marketplace includes their templates by name).
        inspection_summary=inspection_summary,
    )
    # A car's facts named in the reader's language (stored as the vocabulary's Chinese names).
    env.filters.update(city_name=vocabularies.city_name, colour_name=vocabularies.colour_name, trim_label=vocabularies.trim_label)
    return env
