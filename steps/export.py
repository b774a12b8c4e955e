"""A person's own data, for them to take away: what they wrote, what they shared, and every
consent and counselor view about their spaces. Never a partner's private writing or drafts.

Moments stay `datetime` and `date` objects here: the JSON export writes them in ISO 8601 (its
encoder, DjangoJSONEncoder), and the readable page as people read them, "5 December 2026, 13:00"
in the site's time zone (templates/account/export.html). Formatting is each edge's business."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from couples.models import AccessLogEntry, ConsentEvent, CounselorAccess, Couple, Partnership
from steps.models import (
    Apology,
    CheckInRound,
    Commitment,
    FocusArea,
    ForgivenessDecision,
    HardMoment,
    PromptAnswer,
    Question,
    Reflection,
    SafetyCheck,
    Understanding,
)
from trustapp.accounts.models import User


def _who(user_id: int | None, me: User, names: dict[int, str]) -> str:
    if user_id == me.pk:
        return "me"
    if user_id is None:
        return "a former partner"
    return names.get(user_id, "my partner")


def _couple_export(couple: Couple, me: User) -> dict[str, Any]:
    partnerships = list(Partnership.objects.filter(couple=couple).select_related("user"))
    names = {p.user_id: p.user.display_name for p in partnerships}
    rounds = []
    for check_in_round in CheckInRound.objects.filter(couple=couple).prefetch_related("check_ins"):
        answers = []
        for answer in check_in_round.check_ins.all():
            # A partner's answer is theirs until the round is revealed.
            if answer.author_id != me.pk and check_in_round.revealed_at is None:
                continue
            answers.append(
                {
                    "by": _who(answer.author_id, me, names),
                    "feeling": answer.get_feeling_display(),
                    "trust": answer.trust,
                    "ready": answer.ready,
                    "note": answer.note,
                    "updated_at": answer.updated_at,
                }
            )
        rounds.append(
            {
                "step": check_in_round.step,
                "round": check_in_round.number,
                "opened_at": check_in_round.opened_at,
                "revealed_at": check_in_round.revealed_at,
                "answers": answers,
            }
        )
    accesses = CounselorAccess.objects.filter(couple=couple)
    return {
        "started_at": couple.created_at,
        "ended_at": couple.ended_at,
        "partners": [
            {
                "name": names[p.user_id],
                "role": p.get_role_display(),
                "joined_at": p.joined_at,
            }
            for p in partnerships
        ],
        "check_ins": rounds,
        "questions": [
            {
                "asked_by": _who(q.asked_by_id, me, names),
                "text": q.text,
                "told_later": q.told_later,
                "status": q.get_status_display(),
                "asked_at": q.created_at,
                "thread": [
                    {
                        "by": _who(e.author_id, me, names),
                        "kind": e.get_kind_display(),
                        "text": e.text,
                        "at": e.created_at,
                    }
                    for e in q.entries.all()
                ],
            }
            for q in Question.objects.filter(couple=couple).prefetch_related("entries")
        ],
        "apologies": [
            {
                "by": _who(a.author_id, me, names),
                "text": a.text,
                "sent_at": a.sent_at,
                "responses": [
                    {
                        "by": _who(r.author_id, me, names),
                        "kind": r.get_kind_display(),
                        "text": r.text,
                    }
                    for r in a.responses.all()
                ],
            }
            # Sent apologies are shared; a draft belongs to its author alone, so the partner's
            # draft is never even read (or decrypted) for this export.
            for a in Apology.objects.filter(
                Q(sent_at__isnull=False) | Q(author=me), couple=couple
            ).prefetch_related("responses")
        ],
        "understandings": [
            {
                "heard_by": _who(u.listener_id, me, names),
                "text": u.text,
                "understood": u.get_understood_display() if u.understood else None,
                "clarification": u.clarification,
            }
            for u in Understanding.objects.filter(couple=couple)
        ],
        "commitments": [
            {
                "by": _who(c.owner_id, me, names),
                "text": c.text,
                "review_on": c.review_on,
                "closed_at": c.closed_at,
                "check_offs": [
                    {"on": k.on, "note": k.note, "acknowledged_at": k.acknowledged_at}
                    for k in c.checks.all()
                ],
            }
            for c in Commitment.objects.filter(couple=couple).prefetch_related("checks")
        ],
        "focus_areas": [
            {
                "area": f.name,
                "plan": f.plan,
                "next_action": f.next_action,
                "status": f.get_status_display(),
                "history": [
                    {"status": u.get_status_display(), "note": u.note, "at": u.created_at}
                    for u in f.updates.all()
                ],
            }
            for f in FocusArea.objects.filter(couple=couple).prefetch_related("updates")
        ],
        "forgiveness": [
            {
                "by": _who(d.author_id, me, names),
                "decision": d.get_decision_display(),
                "at": d.created_at,
            }
            for d in ForgivenessDecision.objects.filter(couple=couple)
        ],
        "consent": [
            {
                "counselor": e.access.email,
                "by": _who(e.partner_id, me, names),
                "action": e.get_action_display(),
                "scope": e.scope,
                "ends_on": e.ends_on,
                "wording": e.wording,
                "at": e.created_at,
            }
            for e in ConsentEvent.objects.filter(access__in=accesses).select_related("access")
        ],
        "counselor_views": [
            {
                "counselor": entry.counselor_name,
                "allowed": entry.allowed,
                "at": entry.viewed_at,
            }
            for entry in AccessLogEntry.objects.filter(access__in=accesses)
        ],
    }


def build_export(user: User) -> dict[str, Any]:
    couples = Couple.objects.filter(partnerships__user=user).distinct().order_by("created_at")
    return {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "joined_at": user.date_joined,
        },
        "private_reflections": [
            {
                "step": r.step,
                "prompt": r.prompt,
                "text": r.text,
                "written_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in Reflection.objects.filter(author=user).order_by("created_at")
        ],
        "hard_moments": [
            {"asked_partner_for": m.need, "note": m.note, "at": m.created_at}
            for m in HardMoment.objects.filter(author=user).order_by("created_at")
        ],
        "answers_to_prompts": [
            {
                "prompt": a.prompt,
                "text": a.text,
                "shared": a.shared,
                "at": a.created_at,
            }
            for a in PromptAnswer.objects.filter(author=user).order_by("created_at")
        ],
        "safety_checks": [
            {
                "afraid": s.afraid,
                "pressured": s.pressured,
                "harmed": s.harmed,
                "at": s.created_at,
            }
            for s in SafetyCheck.objects.filter(user=user)
        ],
        "spaces": [_couple_export(couple, user) for couple in couples],
    }
