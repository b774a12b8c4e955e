import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from couples.selectors import get_partnership
from steps.models import CheckIn, CheckInRound, StepCompletion
from steps.selectors import CoupleReads, get_check_in_state, get_couple_reads, get_progress
from steps.services import CheckInAnswer, StepError, submit_check_in, write_reflection

# Session, user (with counselor profile and verified email), both partners with the couple's
# journey, whether a pause is open and the asking partner's latest safety answer (one query), and
# the couple's shared reads: progress, waiting check-ins, the ledger's sums, the partner's recent
# asks in a hard moment, and the trust history's stamp.
HOME_QUERIES = 8
# Session, user, both partners with the journey, pause, safety answer and completed steps, the
# step's newest check-in rounds with their answers (one query), and the private reflections.
STEP_QUERIES = 5
A_NOTE = "ALEX-NOTE: I felt heard on Sunday"
B_NOTE = "BLAKE-NOTE: thank you for staying"


def answer(persona, step=1, *, feeling=3, trust=5, ready="yes", note="", htmx=False):
    data = {"feeling": feeling, "trust": trust, "ready": ready, "note": note}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return persona.client.post(reverse("check_in_submit", args=[step]), data, **extra)


def page(persona, step=1) -> str:
    return persona.client.get(reverse("step_detail", args=[step])).content.decode()


@pytest.fixture
def couple(partner_a, partner_b):
    return partner_a.user.partnerships.get().couple


def test_partners_answer_stays_out_of_the_page_until_both_answered(couple, partner_a, partner_b):
    answer(partner_a, trust=7, note=A_NOTE)
    mine = page(partner_a)
    assert "You have checked in." in mine
    assert A_NOTE in mine
    theirs = page(partner_b)
    assert "Alex has checked in." in theirs
    assert A_NOTE not in theirs
    assert "7 of 10" not in theirs
    state = partner_b.client.get(reverse("check_in_state", args=[1])).content.decode()
    assert A_NOTE not in state


def test_the_partners_open_answer_leaves_the_state_nowhere(couple, partner_a, partner_b):
    answer(partner_a, trust=7, note=A_NOTE)
    state = get_check_in_state(partner_b.user.partnerships.get(), 1)
    assert state.partner_has_answered and state.my_answer is None
    # Not on the open round either, which the page holds (the round and its answers are read
    # together).
    assert A_NOTE not in repr(vars(state.open_round))
    assert not any(name.startswith("answer_") for name in vars(state.open_round))


def test_the_second_answer_reveals_both_to_both(couple, partner_a, partner_b):
    answer(partner_a, trust=7, note=A_NOTE, ready="no")
    response = answer(partner_b, trust=4, note=B_NOTE, htmx=True)
    revealed_for_b = response.content.decode()
    assert "<html" not in revealed_for_b
    assert A_NOTE in revealed_for_b and B_NOTE in revealed_for_b
    revealed_for_a = page(partner_a)
    assert A_NOTE in revealed_for_a and B_NOTE in revealed_for_a
    assert CheckInRound.objects.get().revealed_at is not None


def test_an_answer_can_change_until_the_reveal(couple, partner_a, partner_b):
    answer(partner_a, trust=3)
    answer(partner_a, trust=6, note="second thoughts")
    (check_in,) = CheckIn.objects.all()
    assert (check_in.trust, check_in.note) == (6, "second thoughts")
    assert CheckInRound.objects.count() == 1


def test_a_revealed_round_is_sealed_and_a_new_answer_opens_a_new_round(
    couple, partner_a, partner_b
):
    answer(partner_a, trust=3, ready="no")
    answer(partner_b, trust=4, ready="no")
    answer(partner_a, trust=9, ready="no")
    first, second = CheckInRound.objects.order_by("number")
    assert first.revealed_at is not None
    assert first.check_ins.get(author=partner_a.user).trust == 3
    assert second.number == 2 and second.revealed_at is None
    assert second.check_ins.get().trust == 9
    # The sealed round is history both can see.
    assert "Earlier check-ins" not in page(partner_b)  # round 2 still open: no second reveal yet
    answer(partner_b, trust=5, ready="no")
    assert "Earlier check-ins on this step (1)" in page(partner_b)


def test_not_yet_carries_no_penalty(couple, partner_a, partner_b):
    answer(partner_a, ready="no")
    answer(partner_b, ready="yes")
    content = page(partner_a)
    assert "that is fine" in content
    assert get_progress(couple).current_step == 1
    for word in ("streak", "behind", "overdue", "failed"):
        assert word not in content.lower()


def test_both_ready_completes_the_step_and_opens_the_next(couple, partner_a, partner_b):
    assert answer(partner_a, step=2).status_code == 200
    assert "opens once you have both moved on from step 1" in page(partner_a, step=2)
    assert not CheckIn.objects.filter(round__step=2).exists()

    before = partner_a.client.get(reverse("home")).content.decode()  # drawn, and kept
    assert "Done together" not in before
    answer(partner_a, ready="yes")
    answer(partner_b, ready="yes")
    assert StepCompletion.objects.filter(couple=couple, step=1).exists()
    assert get_progress(couple).current_step == 2
    assert "Step 2 is open for both of you." in page(partner_b)
    home = partner_a.client.get(reverse("home")).content.decode()
    assert "Done together" in home
    current = home.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert "Step 2: " in current
    assert answer(partner_b, step=2).status_code == 302


@pytest.mark.parametrize("completed", [0, 1, 3])
def test_a_step_ahead_names_the_step_the_couple_is_on(couple, partner_a, partner_b, completed):
    for step in range(1, completed + 1):
        answer(partner_a, step=step, ready="yes")
        answer(partner_b, step=step, ready="yes")
    assert get_progress(couple).current_step == completed + 1
    ahead = page(partner_b, step=completed + 2)
    assert (
        f"Its check-in opens once the two of you have moved on from step {completed + 1}" in ahead
    )
    assert "opens once" not in page(partner_b, step=completed + 1)


@pytest.mark.parametrize(
    ("done", "current"), [((), 1), ((1, 3), 2), ((1, 2, 4, 5), 3), (tuple(range(1, 12)), None)]
)
def test_the_current_step_is_the_first_not_done_whichever_way_it_is_read(
    couple, partner_a, done, current
):
    for step in done:
        check_in_round = CheckInRound.objects.create(
            couple=couple, step=step, number=1, revealed_at=timezone.now()
        )
        StepCompletion.objects.create(couple=couple, step=step, round=check_in_round)
    # With the seats (the step page) and on its own (a tool's answer, from a plain seat).
    assert get_couple_reads(partner_a.user).current_step() == current
    assert CoupleReads(get_partnership(partner_a.user)).current_step() == current
    assert get_progress(couple).current_step == current


def test_earlier_steps_stay_open_after_they_are_done(couple, partner_a, partner_b):
    answer(partner_a)
    answer(partner_b)
    answer(partner_a, trust=8)
    assert CheckInRound.objects.filter(step=1, revealed_at__isnull=True).count() == 1
    assert StepCompletion.objects.count() == 1


def test_a_step_ahead_can_be_read_but_not_checked_in(couple, partner_a):
    with pytest.raises(StepError):
        submit_check_in(
            partnership=partner_a.user.partnerships.get(),
            step=5,
            answer=CheckInAnswer(feeling=3, trust=5, ready=True),
        )
    content = page(partner_a, step=5)
    assert "Check in together" in content
    assert "Its check-in opens once the two of you have moved on from step 1" in content


def test_invalid_answers_are_explained_and_kept(couple, partner_a):
    response = answer(partner_a, feeling="", trust=11, note="keep me " + "n" * 1000, htmx=True)
    content = response.content.decode()
    assert "Choose the words closest to how you feel." in content
    assert "1,000 characters" in content
    assert "keep me nnnn" in content
    assert not CheckIn.objects.exists()


def test_first_answer_emails_the_partner_and_the_reveal_emails_the_one_away(
    couple, partner_a, partner_b, django_capture_on_commit_callbacks
):
    write_reflection(
        partnership=partner_a.user.partnerships.get(), step=1, text="PRIVATE-REFLECTION"
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a, note=A_NOTE)
        answer(partner_a, note=A_NOTE + " (changed)")  # an edit sends nothing more
    (nudge,) = mail.outbox
    assert nudge.to == ["blake@example.com"]
    assert "Alex checked in on step 1" in nudge.subject
    assert "https://trustapp.test/space/steps/1/#check-in" in nudge.body
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_b, note=B_NOTE)
    # Blake saw the answers the moment they answered: only Alex, who was away, is told.
    (revealed,) = mail.outbox[1:]
    assert revealed.to == ["alex@example.com"]
    assert "revealed" in revealed.subject
    for message in mail.outbox:
        body = message.body + message.alternatives[0][0]
        for private in (A_NOTE, B_NOTE, "PRIVATE-REFLECTION"):
            assert private not in body


def test_a_partner_can_turn_check_in_emails_off(
    couple, partner_a, partner_b, django_capture_on_commit_callbacks
):
    partner_b.client.post(
        reverse("preferences"), {"display_name": "Blake", "email_partner_updates": ""}
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a)
        answer(partner_b)
    assert [m.to for m in mail.outbox] == [["alex@example.com"]]


def test_waiting_partner_poll_answers_204_until_the_reveal(
    couple, partner_a, partner_b, htmx_headers
):
    answer(partner_a)
    open_round = CheckInRound.objects.get()
    url = f"{reverse('check_in_state', args=[1])}?waiting_on={open_round.pk}"
    polled = page(partner_a)
    assert f'data-hx-get="{url.replace("&", "&amp;")}"' in polled
    assert partner_a.client.get(url, **htmx_headers).status_code == 204
    answer(partner_b, note=B_NOTE)
    response = partner_a.client.get(url, **htmx_headers)
    assert response.status_code == 200
    assert B_NOTE in response.content.decode()
    assert "every 4s" not in response.content.decode()


def test_solo_partner_can_check_in_and_is_told_it_waits(partner_a):
    answer(partner_a, note="on my own for now")
    content = page(partner_a)
    assert "Waiting for your partner to join" in content
    assert CheckInRound.objects.get().revealed_at is None


@pytest.mark.parametrize("rounds", [1, 50])
def test_home_and_step_page_queries_do_not_grow_with_history(
    couple, partner_a, partner_b, rounds, django_assert_num_queries
):
    for _ in range(rounds):
        answer(partner_a, ready="no")
        answer(partner_b, ready="no")
        write_reflection(partnership=partner_a.user.partnerships.get(), step=1, text="x")
    # The same count for 1 and for 50 rounds: fetched in bulk, never per round.
    # The first visit draws the trust chart (one query more); later ones reuse the drawing.
    with django_assert_num_queries(HOME_QUERIES + 1):
        assert partner_a.client.get(reverse("home")).status_code == 200
    with django_assert_num_queries(HOME_QUERIES):
        assert partner_a.client.get(reverse("home")).status_code == 200
    with django_assert_num_queries(STEP_QUERIES):
        assert partner_a.client.get(reverse("step_detail", args=[1])).status_code == 200


def test_a_couple_with_completed_steps_can_still_be_deleted(couple, partner_a, partner_b):
    answer(partner_a)
    answer(partner_b)
    assert StepCompletion.objects.exists()
    couple.delete()
    assert not CheckInRound.objects.exists()
    assert not StepCompletion.objects.exists()


def test_htmx_check_in_answer_reads_only_the_check_in_part(
    couple, partner_a, django_assert_num_queries
):
    write_reflection(partnership=partner_a.user.partnerships.get(), step=1, text="PRIVATE-X")
    answer(partner_a, ready="no")
    # The service's own work (the couple's lock; then one read of the open pause, the safety
    # answer, who is in the couple and the steps done; one of the open round with its answers)
    # and the check-in part: no reflections or tools.
    with django_assert_num_queries(10) as captured:
        response = answer(partner_a, ready="no", trust=6, htmx=True)
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "steps_reflection" not in sql
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="check-in"')
    assert "PRIVATE-X" not in content
    assert 'value="6"' in content and "checked" in content


def test_a_long_history_shows_the_ten_latest_and_counts_them_all(couple, partner_a, partner_b):
    for trust in range(14):
        answer(partner_a, trust=trust % 11, ready="no")
        answer(partner_b, trust=10 - trust % 11, ready="no")
    answer(partner_a, trust=4, ready="no")  # a 15th round, open: not counted as revealed
    content = page(partner_a)
    assert "Your last revealed answers, check-in 14" in content
    assert "Earlier check-ins on this step (13)" in content
    assert "The ten most recent are shown here" in content
    table = content.split("Earlier check-ins on this step", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 10 * 2  # the header, then ten rounds of two answers


def earlier_table(persona) -> str:
    content = page(persona)
    return content.split("Earlier check-ins on this step", 1)[1].split("</table>", 1)[0]


def test_the_earlier_check_ins_table_follows_new_reveals_and_the_viewer(
    couple, partner_a, partner_b
):
    for trust in (2, 3):
        answer(partner_a, trust=trust, ready="no")
        answer(partner_b, trust=9, ready="no")
    assert earlier_table(partner_a).count("<tr>") == 1 + 2  # drawn once, then reused
    answer(partner_a, trust=4, ready="no")
    answer(partner_b, trust=8, ready="no")
    alex_sees = earlier_table(partner_a)
    assert alex_sees.count("<tr>") == 1 + 4
    assert "<td>You</td><td>Unsure, somewhere in between</td><td>3 of 10</td>" in alex_sees
    assert "<td>Blake</td>" in alex_sees
    blake_sees = earlier_table(partner_b)
    assert "<td>You</td><td>Unsure, somewhere in between</td><td>9 of 10</td>" in blake_sees
    assert "<td>Alex</td><td>Unsure, somewhere in between</td><td>3 of 10</td>" in blake_sees
    partner_b.user.display_name = "Bee"
    partner_b.user.save()
    assert "<td>Bee</td>" in earlier_table(partner_a)
