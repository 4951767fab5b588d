"""The administrator's view of the running school year's campaigns."""

from django.shortcuts import render

from consents.campaigns.progress import running_campaigns
from consents.dates import school_today
from consents.models import Role
from consents.roles import role_required


@role_required(Role.Kind.ADMINISTRATOR)
def campaign_progress(request):
    """Invited, answered, reminded and still open, per school the administrator works for."""
    today = school_today()
    campaigns = running_campaigns(request.schools, today=today)
    return render(
        request, "consents/campaigns/progress.html", {"campaigns": campaigns, "today": today}
    )
