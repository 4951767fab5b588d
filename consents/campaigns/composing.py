"""A campaign's email, composed by the outbox at sending time from the row's ids: the rules
are asked again, so someone who answered meanwhile gets nothing."""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from consents import outbox, rules
from consents.campaigns.sixteen import turning_for
from consents.models import Board, Campaign, Guardian, OutboxMessage

Template = OutboxMessage.Template


def login_url() -> str:
    """The link in every email: the one-time-code login, then the consent page."""
    query = urlencode({"next": reverse("home")})
    return f"{settings.SITE_URL}{reverse('account_request_login_code')}?{query}"


def message_compose(message: OutboxMessage, *, today: dt.date) -> outbox.Outgoing | None:
    """A campaign's outbox message as things are now; None when the recipient no longer has
    anything to answer."""
    campaign = message.step.campaign
    recipient = message.recipient
    people = list(message.subjects.order_by("first_name", "last_name", "pk"))
    turning = {}
    if message.template in (Template.SIXTEEN_SOON, Template.SIXTEEN_STUDENT):
        turning = turning_for(people, today=today, soon=message.template == Template.SIXTEEN_SOON)
        people = [person for person in people if person.pk in turning]
        if not people:
            return None
    if message.template not in (Template.SIXTEEN_GUARDIAN, Template.SIXTEEN_SOON):
        asks = rules.voices_to_ask(
            [person.pk for person in people],
            on=today,
            purposes=campaign.purposes,
            changed_text_only=campaign.kind == Campaign.Kind.TEXT_CHANGE,
        )
        guardian_id = Guardian.objects.filter(user=recipient).values_list("pk", flat=True).first()
        people = [
            person
            for person in people
            if (person.user_id == recipient.pk and None in asks.get(person.pk, ()))
            or (guardian_id is not None and guardian_id in asks.get(person.pk, ()))
        ]
        if not people:
            return None
    context = {
        "recipient": recipient,
        "name": recipient.get_full_name() or recipient.email,
        "people": people,
        "for_self": any(person.user_id == recipient.pk for person in people),
        "campaign": campaign,
        "board": campaign.board,
        "purpose": campaign.text.purpose if campaign.text_id else None,
        "is_reminder": message.step.is_reminder,
        "guardians_answer_stays": campaign.board.at_sixteen == Board.AtSixteen.KEEP,
        "login_url": login_url(),
        # Turning 16: the birthday, and what stands per purpose (see `turning_for`).
        "turning": [turning[person.pk] for person in people if person.pk in turning],
    }
    return outbox.Outgoing([recipient.email], context)
