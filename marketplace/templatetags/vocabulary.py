"""Template filters naming a car's facts in the reader's language: ``{{ vehicle.city|city_name }}``,
``{{ vehicle.colour|colour_name }}``, ``{{ vehicle.trim|trim_label }}`` (see ``marketplace.vocabularies``)."""

from django import template

from marketplace import vocabularies

register = template.Library()

register.filter("city_name", vocabularies.city_name)
register.filter("colour_name", vocabularies.colour_name)
register.filter("trim_label", vocabularies.trim_label)
