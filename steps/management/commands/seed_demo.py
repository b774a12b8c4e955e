"""A demo couple part-way through the process, for trying TrustApp by hand.

Sam (who was hurt) and Robin (who broke the trust) started about four months ago, both answered
the private safety check with no concern, have moved on from steps 1 to 4, and are on step 5,
where Sam has checked in and Robin has not yet. Every answer goes through the services
(`record_safety_check`, `submit_check_in`), so the real rules decide the reveals and completions;
the dates are moved back afterwards so that the trust chart spans the months.

Development only: the accounts have a known password.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from couples.models import Couple, Invitation, Partnership, Role
from couples.services import start_couple
from steps.content import get_step_or_404
from steps.models import CheckIn, CheckInRound, Reflection, SafetyCheck, StepCompletion
from steps.selectors import get_progress
from steps.services import (
    CheckInAnswer,
    record_safety_check,
    submit_check_in,
    write_reflection,
)
from trustapp.accounts.models import User

DEMO_PASSWORD = "demo-trust-2026"  # noqa: S105 (a demo account, and the command is DEBUG-only)
SAM_EMAIL = "sam@demo.trustapp.local"
ROBIN_EMAIL = "robin@demo.trustapp.local"
DEMO_EMAILS = (SAM_EMAIL, ROBIN_EMAIL)

# The couple's space opened this many days ago; every date below counts from that day.
STARTED_DAYS_AGO = 122


def _a(feeling: int, trust: int, ready: bool, note: str = "") -> CheckInAnswer:
    return CheckInAnswer(feeling=feeling, trust=trust, ready=ready, note=note)


@dataclass(frozen=True)
class DemoRound:
    step: int
    opened_day: int  # days after the start; the first answer is given that day
    revealed_day: int | None  # the day the second answer came in; None leaves the round open
    sam: CheckInAnswer
    robin: CheckInAnswer | None
    robin_first: bool = False


# Trust rises unevenly: Sam 2 -> 6, Robin 5 -> 8, with dips along the way.
ROUNDS = [
    # Step 1: Commit to the process
    DemoRound(
        1,
        2,
        3,
        _a(2, 2, False, "I'm here. That's as much as I can say today."),
        _a(3, 5, False),
        robin_first=True,
    ),
    DemoRound(
        1,
        9,
        10,
        _a(2, 2, False),
        _a(3, 5, True, "I'm ready to commit, and I'll wait for as long as you need."),
        robin_first=True,
    ),
    DemoRound(1, 16, 18, _a(3, 3, True, "Ready to try. Slowly."), _a(4, 6, True)),
    # Step 2: Learn to trust yourself again
    DemoRound(2, 24, 26, _a(2, 3, False), _a(3, 6, False, "Still finding my footing.")),
    DemoRound(
        2,
        32,
        33,
        _a(1, 2, False, "A hard week. The anniversary of finding out."),
        _a(3, 5, False),
        robin_first=True,
    ),
    DemoRound(
        2,
        40,
        41,
        _a(3, 4, True, "I listened to myself this week, and it helped."),
        _a(4, 6, True),
    ),
    # Step 3: Forgive yourself
    DemoRound(3, 48, 50, _a(3, 4, False), _a(2, 6, False, "Harder than I expected.")),
    DemoRound(
        3,
        55,
        57,
        _a(3, 5, False),
        _a(3, 7, False, "Talking to someone about it."),
        robin_first=True,
    ),
    DemoRound(3, 63, 64, _a(2, 4, False, "Some old feelings came back up."), _a(3, 6, False)),
    DemoRound(3, 71, 73, _a(4, 5, True, "Gentler with myself than before."), _a(4, 7, True)),
    # Step 4: Work on it: find the root of the betrayal
    DemoRound(
        4,
        80,
        82,
        _a(3, 5, False, "I need more of those conversations before I'm ready."),
        _a(4, 7, False),
        robin_first=True,
    ),
    DemoRound(4, 88, 91, _a(2, 4, False), _a(3, 6, False, "That talk was hard for both of us.")),
    DemoRound(
        4,
        97,
        98,
        _a(4, 6, True, "I understand more now, even if it still hurts."),
        _a(4, 8, True),
        robin_first=True,
    ),
    # Step 5: Work on yourselves
    DemoRound(5, 104, 106, _a(3, 5, False), _a(4, 7, False, "Started seeing a counselor.")),
    DemoRound(5, 111, 112, _a(4, 6, False, "Walking most mornings again."), _a(4, 8, False)),
    # Open: Sam has checked in, Robin has not yet.
    DemoRound(5, 119, None, _a(4, 6, False, "Steadier than last month."), None),
]


@dataclass(frozen=True)
class DemoReflection:
    author: str  # "sam" or "robin"
    step: int
    day: int
    text: str
    prompt: int | None = None  # index into the step's prompts, or None for free writing


REFLECTIONS = [
    DemoReflection(
        "sam",
        1,
        3,
        "Some days I want to walk away, and some days I can't imagine it. I think I'm staying "
        "because I want to know, for myself, that I gave this a real chance.",
        prompt=0,
    ),
    DemoReflection(
        "robin",
        1,
        4,
        "I'm afraid that whatever I do will never be enough, and that I'll stop trying because "
        "of it. Writing that down makes it feel smaller.",
        prompt=1,
    ),
    DemoReflection(
        "sam",
        2,
        27,
        "My gut has been right more often than I gave it credit for. I'd like to listen to it "
        "without needing anyone to agree.",
        prompt=0,
    ),
    DemoReflection(
        "sam",
        2,
        34,
        "Bad night. Slept badly, felt everything at once. Tomorrow I'll go for a walk before "
        "work and see if that helps.",
    ),
    DemoReflection(
        "robin",
        3,
        52,
        "I keep replaying it. I can hold myself responsible without hating myself; those are not "
        "the same thing, and I'm learning the difference.",
    ),
    DemoReflection(
        "robin",
        3,
        60,
        "I'd tell a friend that one terrible choice doesn't make them a terrible person, and that "
        "the way they repair it matters. I'm trying to believe that about me too.",
        prompt=1,
    ),
    DemoReflection(
        "sam",
        3,
        66,
        "I've been blaming myself for not seeing it sooner. That isn't mine to carry.",
        prompt=0,
    ),
    DemoReflection(
        "robin",
        4,
        84,
        "The months before, I was lonely and didn't say so. I went looking for an easy way out "
        "instead of a hard conversation at home.",
        prompt=0,
    ),
    DemoReflection(
        "sam",
        4,
        92,
        "We both go quiet when something's wrong. I want us to notice the quiet sooner.",
        prompt=1,
    ),
    DemoReflection(
        "robin",
        4,
        95,
        "After our talk on Sunday: I didn't get defensive. Small, but it felt different.",
    ),
    DemoReflection(
        "sam",
        5,
        108,
        "Morning walks, my sister, and the Thursday group. Those keep me steady, whatever "
        "happens here.",
        prompt=1,
    ),
    DemoReflection(
        "robin",
        5,
        114,
        "To understand why I hid things, with the counselor's help. That's my work, not Sam's.",
        prompt=0,
    ),
    DemoReflection(
        "sam",
        5,
        120,
        "This week: one evening that is just mine. No phone, a book, an early night.",
        prompt=2,
    ),
]


class Command(BaseCommand):
    help = (
        "Create (or recreate) a demo couple, Sam and Robin, part-way through the steps. "
        "Development only: the accounts have a known password."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes accounts with known passwords; it only runs with DJANGO_DEBUG=1"
            )
        now = timezone.now()
        start = now - timedelta(days=STARTED_DAYS_AGO)
        with transaction.atomic():
            self._remove_demo()
            sam = self._make_user(SAM_EMAIL, "Sam", start)
            robin = self._make_user(ROBIN_EMAIL, "Robin", start + timedelta(days=1))
            # No emails while seeding: the tasks enqueued by the check-ins run on commit and find
            # the preference off. Switched back on by the last on-commit callback, after them.
            User.objects.filter(pk__in=[sam.pk, robin.pk]).update(email_partner_updates=False)
            sam_seat, robin_seat = self._make_couple(sam, robin, start)
            self._answer_safety_checks(sam_seat, robin_seat, start)
            counts = self._play_rounds(sam_seat, robin_seat, start)
            reflections = self._write_reflections(sam_seat, robin_seat, start)
            transaction.on_commit(
                lambda: User.objects.filter(email__in=DEMO_EMAILS).update(
                    email_partner_updates=True
                )
            )
            progress = get_progress(sam_seat.couple)

        login_url = settings.SITE_URL + reverse("account_login")
        self.stdout.write(self.style.SUCCESS("Demo couple ready."))
        self.stdout.write(f"  Sam (was hurt):         {SAM_EMAIL}")
        self.stdout.write(f"  Robin (broke trust):    {ROBIN_EMAIL}")
        self.stdout.write(f"  Password (both):        {DEMO_PASSWORD}")
        self.stdout.write(f"  Log in at:              {login_url}")
        self.stdout.write(
            f"{len(progress.completions)} steps completed, step {progress.current_step} current; "
            f"{counts['rounds']} check-in rounds ({counts['revealed']} revealed, "
            f"1 open with Sam's answer); {reflections} reflections."
        )

    def _remove_demo(self) -> None:
        users = User.objects.filter(email__in=DEMO_EMAILS)
        couple_ids = set(
            Partnership.objects.filter(user__in=users).values_list("couple_id", flat=True)
        )
        Couple.objects.filter(pk__in=couple_ids).delete()
        users.delete()

    def _make_user(self, email: str, name: str, joined: datetime) -> User:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
        User.objects.filter(pk=user.pk).update(date_joined=joined)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _make_couple(
        self, sam: User, robin: User, start: datetime
    ) -> tuple[Partnership, Partnership]:
        sam_seat = start_couple(user=sam, role=Role.HURT)
        couple = sam_seat.couple
        joined = start + timedelta(days=1, hours=3)
        robin_seat = Partnership.objects.create(
            couple=couple, user=robin, seat=2, role=Role.BROKE_TRUST, joined_at=joined
        )
        Invitation.objects.create(
            couple=couple,
            invited_by=sam,
            email=robin.email,
            status=Invitation.Status.ACCEPTED,
            created_at=start + timedelta(minutes=20),
            sent_at=start + timedelta(minutes=20),
            accepted_by=robin,
            closed_at=joined,
        )
        Couple.objects.filter(pk=couple.pk).update(created_at=start)
        Partnership.objects.filter(pk=sam_seat.pk).update(joined_at=start)
        return sam_seat, robin_seat

    def _answer_safety_checks(
        self, sam_seat: Partnership, robin_seat: Partnership, start: datetime
    ) -> None:
        """Both answered the private check, with no concern, the day Robin joined: without it a
        newcomer signing in as either of them would land on "Answer the private check" instead
        of the open check-in."""
        for seat in (sam_seat, robin_seat):
            check = record_safety_check(
                partnership=seat, afraid=False, pressured=False, harmed=False, self_harm=False
            )
            answered = start + timedelta(days=1, hours=4)
            SafetyCheck.objects.filter(pk=check.pk).update(created_at=answered)

    def _play_rounds(
        self, sam_seat: Partnership, robin_seat: Partnership, start: datetime
    ) -> dict[str, int]:
        counts = {"rounds": 0, "revealed": 0}
        for demo in ROUNDS:
            turns = [(sam_seat, demo.sam), (robin_seat, demo.robin)]
            if demo.robin_first:
                turns.reverse()
            answers = [
                submit_check_in(partnership=seat, step=demo.step, answer=answer)
                for seat, answer in turns
                if answer is not None
            ]
            check_in_round = answers[0].round
            check_in_round.refresh_from_db()
            if (check_in_round.revealed_at is not None) != (demo.revealed_day is not None):
                raise CommandError(
                    f"Demo round on step {demo.step} did not come out as planned; "
                    "the check-in rules may have changed."
                )
            # Move the dates back: the first answer on the day the round opened, the second
            # (and the reveal, and a completion) on the day it came in.
            opened = start + timedelta(days=demo.opened_day, hours=20)
            revealed = (
                start + timedelta(days=demo.revealed_day, hours=21, minutes=30)
                if demo.revealed_day is not None
                else None
            )
            CheckInRound.objects.filter(pk=check_in_round.pk).update(
                opened_at=opened, revealed_at=revealed
            )
            for answer, answered_at in zip(answers, [opened, revealed], strict=False):
                CheckIn.objects.filter(pk=answer.pk).update(
                    created_at=answered_at, updated_at=answered_at
                )
            if revealed is not None:
                StepCompletion.objects.filter(round=check_in_round).update(completed_at=revealed)
                counts["revealed"] += 1
            counts["rounds"] += 1
        return counts

    def _write_reflections(
        self, sam_seat: Partnership, robin_seat: Partnership, start: datetime
    ) -> int:
        seats = {"sam": sam_seat, "robin": robin_seat}
        for demo in REFLECTIONS:
            prompt = "" if demo.prompt is None else get_step_or_404(demo.step).prompts[demo.prompt]
            reflection = write_reflection(
                partnership=seats[demo.author], step=demo.step, text=demo.text, prompt=prompt
            )
            written = start + timedelta(days=demo.day, hours=22)
            Reflection.objects.filter(pk=reflection.pk).update(
                created_at=written, updated_at=written
            )
        return len(REFLECTIONS)
