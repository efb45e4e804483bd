from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_of(context, person):
    """{% phone_of person %}: full number for the person and authorised staff, masked for others."""
    return person.phone_for(context["request"].user)


@register.simple_tag(takes_context=True)
def id_number_of(context, person):
    return person.id_number_for(context["request"].user)
