"""Coordination meetings: series, meetings, who took part, the agenda, bilateral meetings,
decisions and action items followed to their end; data calls before a meeting; strategic
consultations; what was e-mailed; calendar feed tokens.

Host and co-organisers are participants with those roles (one place, not two). An action item
belongs to the meeting that decided it; while it is open it is carried to the next meeting of
the series once its meeting is closed (``Carryover``, written by ``services.carry_over``).
"""

from __future__ import annotations

import datetime

import pycountry
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cbcoord.core.i18n import current_language
from cbcoord.core.models import DemoFlagged, TimeStampedModel
from cbcoord.core.validators import validate_xml_text


class SeriesKind(models.TextChoices):
    REGIONAL = "regional", _("Regional coordination meeting")
    COMMITTEE = "committee", _("Committee")
    OTHER = "other", _("Other meeting")


class MeetingSeries(TimeStampedModel, DemoFlagged):
    """A recurring meeting: a region's annual Development Partners Coordination Meeting, the
    Capacity Building Committee…"""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=300, validators=[validate_xml_text])
    kind = models.CharField(_("kind"), max_length=20, choices=SeriesKind.choices)
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_series",
        verbose_name=_("region"),
        help_text=_("The WCO region of a regional series; none for a committee of all regions."),
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")


class MeetingVisibility(models.TextChoices):
    """Published: everyone reads it. Internal: the WCO, the organisations taking part (its
    participants, bilateral parties and action-item owners) and the members and partners of
    the series' region (``selectors.meeting_visible``)."""

    PUBLISHED = "published", _("Published")
    INTERNAL = "internal", _("Internal")


class Meeting(TimeStampedModel, DemoFlagged):
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("series")
    )
    title = models.CharField(_("title"), max_length=300, validators=[validate_xml_text])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code.")
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=MeetingVisibility.choices,
        default=MeetingVisibility.INTERNAL,
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="meeting_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.city, self.country_name) if part)

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED


def country_name(code: str) -> str:
    """The country's name in the reader's language (pycountry's translations), else the code."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    language = current_language()
    if language == "en":
        return name
    import gettext

    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    return translation.gettext(str(country.name))


class ParticipantRole(models.TextChoices):
    CO_ORGANISER = "co_organiser", _("Co-organiser")
    HOST = "host", _("Host")
    OPENING_SPEAKER = "opening_speaker", _("Opening speaker")
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-Chair")
    DELEGATE = "delegate", _("Delegate")
    OBSERVER = "observer", _("Observer")


class Participant(TimeStampedModel):
    """An organisation taking part in a meeting, or one of its people, with roles."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participants", verbose_name=_("meeting")
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="meeting_participations",
        verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_participations",
        verbose_name=_("person"),
    )
    roles = models.JSONField(_("roles"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="unique_meeting_person",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.person.name} ({self.organisation.display_name})"
            if self.person
            else str(self.organisation)
        )

    @property
    def role_labels(self) -> list[str]:
        labels = dict(ParticipantRole.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class AgendaItem(TimeStampedModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=500, validators=[validate_xml_text])
    description = models.TextField(_("description"), blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    presenters = models.ManyToManyField(
        Participant, blank=True, related_name="presentations", verbose_name=_("presenters")
    )
    provisions = models.ManyToManyField(
        "frameworks.Provision",
        blank=True,
        related_name="agenda_items",
        verbose_name=_("provisions and strategic themes"),
    )
    instruments = models.ManyToManyField(
        "frameworks.Instrument",
        blank=True,
        related_name="agenda_items",
        verbose_name=_("instruments"),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class BilateralMeeting(TimeStampedModel):
    """A meeting held alongside: the parties, what was discussed (linked like the agenda) and
    a summary."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="bilaterals", verbose_name=_("meeting")
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    parties = models.ManyToManyField(
        "registry.Organisation", related_name="bilateral_meetings", verbose_name=_("parties")
    )
    people = models.ManyToManyField(
        "registry.Person", blank=True, related_name="bilateral_meetings", verbose_name=_("people")
    )
    topics = models.TextField(_("topics"), blank=True)
    provisions = models.ManyToManyField(
        "frameworks.Provision",
        blank=True,
        related_name="bilateral_meetings",
        verbose_name=_("provisions and strategic themes"),
    )
    instruments = models.ManyToManyField(
        "frameworks.Instrument",
        blank=True,
        related_name="bilateral_meetings",
        verbose_name=_("instruments"),
    )
    summary = models.TextField(_("summary"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("bilateral meeting")
        verbose_name_plural = _("bilateral meetings")

    def __str__(self) -> str:
        return self.title or ", ".join(party.display_name for party in self.parties.all())


class Decision(TimeStampedModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting")
    )
    position = models.PositiveIntegerField(_("number"), default=0)
    text = models.TextField(_("text"), validators=[validate_xml_text])
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("agenda item"),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")

    @classmethod
    def pending(cls) -> list[str]:
        """The statuses of an item still to be followed (carried over, reminded of)."""
        return [cls.OPEN, cls.IN_PROGRESS]


class ActionItem(TimeStampedModel, DemoFlagged):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("meeting")
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("decision"),
    )
    text = models.TextField(_("action"), validators=[validate_xml_text])
    owner_organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner organisation"),
    )
    owner_person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.OPEN,
        db_index=True,
    )
    closed_at = models.DateTimeField(_("done or dropped at"), null=True, blank=True, editable=False)
    activities = models.ManyToManyField(
        "activities.Activity",
        blank=True,
        related_name="action_items",
        verbose_name=_("activities"),
    )
    provisions = models.ManyToManyField(
        "frameworks.Provision",
        blank=True,
        related_name="action_items",
        verbose_name=_("provisions"),
    )
    needs = models.ManyToManyField(
        "needs.Need",
        blank=True,
        related_name="action_items",
        verbose_name=_("needs"),
    )
    carried_to = models.ManyToManyField(  # type: ignore[var-annotated]
        Meeting,
        through="Carryover",
        blank=True,
        related_name="carried_items",
        verbose_name=_("carried to"),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_pending(self) -> bool:
        return self.status in ActionStatus.pending()

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_pending and self.due_date is not None and self.due_date < today


class ProgressNote(models.Model):
    """A dated note on an action item's progress; ``status`` is the status it set, if any."""

    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="notes", verbose_name=_("action item")
    )
    noted_on = models.DateField(_("date"))
    text = models.TextField(_("progress"), blank=True, validators=[validate_xml_text])
    status = models.CharField(
        _("status set"), max_length=12, choices=ActionStatus.choices, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author's organisation"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["noted_on", "pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return f"{self.noted_on}: {self.text[:60]}"


class Carryover(models.Model):
    """An open action item shown on a later meeting of its series."""

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="carryovers")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="carryovers")
    carried_at = models.DateTimeField(_("carried at"), auto_now_add=True)

    class Meta:
        verbose_name = _("carried action item")
        verbose_name_plural = _("carried action items")
        constraints = [
            models.UniqueConstraint(fields=["action_item", "meeting"], name="unique_carryover")
        ]

    def __str__(self) -> str:
        return f"{self.action_item_id} → {self.meeting_id}"


# --------------------------------------------------------------------------- data calls


class DataCall(TimeStampedModel):
    """Before a meeting: each partner is asked to confirm or update its activities in the
    region by ``deadline``."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="data_call", verbose_name=_("meeting")
    )
    deadline = models.DateField(_("deadline"))
    message = models.TextField(_("message"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data call")
        verbose_name_plural = _("data calls")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.deadline}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DataCallRequest(TimeStampedModel):
    """One partner asked in a data call, and its answer."""

    data_call = models.ForeignKey(
        DataCall, on_delete=models.CASCADE, related_name="requests", verbose_name=_("data call")
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.CASCADE,
        related_name="data_call_requests",
        verbose_name=_("partner"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    note = models.TextField(_("note"), blank=True, validators=[validate_xml_text])

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("data call request")
        verbose_name_plural = _("data call requests")
        constraints = [
            models.UniqueConstraint(
                fields=["data_call", "organisation"], name="unique_data_call_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_call_id}: {self.organisation_id}"


# --------------------------------------------------------------------------- consultations


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Consultation(TimeStampedModel, DemoFlagged):
    """Members' input to strategic planning: each member administration ranks candidate
    priorities and comments. Results: ``selectors.consultation_results`` (Borda count)."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300, validators=[validate_xml_text])
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.OPEN,
    )
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    regions = models.ManyToManyField(
        "registry.Region",
        blank=True,
        related_name="consultations",
        verbose_name=_("regions"),
        help_text=_("The regions whose members are asked; none: every region."),
    )
    meetings = models.ManyToManyField(
        Meeting, blank=True, related_name="consultations", verbose_name=_("meetings")
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=MeetingVisibility.choices,
        default=MeetingVisibility.INTERNAL,
        help_text=_("Published results are shown to everyone; internal ones to signed-in users."),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN


class ConsultationOption(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="options",
        verbose_name=_("consultation"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("priority"), max_length=300, validators=[validate_xml_text])
    description = models.TextField(_("description"), blank=True)
    provision = models.ForeignKey(
        "frameworks.Provision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provision or theme"),
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("candidate priority")
        verbose_name_plural = _("candidate priorities")

    def __str__(self) -> str:
        return self.label


class ConsultationResponse(TimeStampedModel):
    """One member administration's ranking of a consultation's candidates."""

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("consultation"),
    )
    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.CASCADE,
        related_name="consultation_responses",
        verbose_name=_("member"),
    )
    comment = models.TextField(_("comment"), blank=True, validators=[validate_xml_text])
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("consultation response")
        verbose_name_plural = _("consultation responses")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "member"], name="unique_consultation_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.member_id}"


class ConsultationRank(models.Model):
    response = models.ForeignKey(
        ConsultationResponse, on_delete=models.CASCADE, related_name="ranks"
    )
    option = models.ForeignKey(ConsultationOption, on_delete=models.CASCADE, related_name="ranks")
    rank = models.PositiveSmallIntegerField(_("rank"))
    comment = models.CharField(_("comment"), max_length=1000, blank=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["response", "option"], name="unique_rank_option"),
            models.UniqueConstraint(fields=["response", "rank"], name="unique_rank_position"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="rank_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}: {self.option_id}"


# --------------------------------------------------------------------------- notices, feeds


class NoticeKind(models.TextChoices):
    ACTION_REMINDER = "action_reminder", _("Action-item reminder")
    DATA_CALL_INVITATION = "data_call_invitation", _("Data call")
    DATA_CALL_REMINDER = "data_call_reminder", _("Data call reminder")


class SentNotice(models.Model):
    """An e-mail sent about one action item or data-call request to one address on one day:
    the record that keeps reminders to once per item per day."""

    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    data_call_request = models.ForeignKey(
        DataCallRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    recipient = models.EmailField(_("recipient"))
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "action_item", "recipient", "sent_on"],
                condition=Q(action_item__isnull=False),
                name="one_action_notice_a_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "data_call_request", "recipient", "sent_on"],
                condition=Q(data_call_request__isnull=False),
                name="one_data_call_notice_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.sent_on})"


class CalendarFeedToken(models.Model):
    """The secret in a user's calendar feed URL. Only its SHA-256 is stored; a reset makes a
    new one (the old URL stops working)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.prefix}…)"
