import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from steps.models import Reflection
from steps.services import write_reflection
from trustapp import crypto

SECRET = "I still check his phone at night and hate myself for it"


@pytest.fixture
def alex_reflection(partner_a):
    return write_reflection(
        partnership=partner_a.user.partnerships.get(), step=1, text=SECRET, prompt=""
    )


def raw_text(reflection: Reflection) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT text FROM {Reflection._meta.db_table} WHERE id = %s", [reflection.pk]
        )
        return cursor.fetchone()[0]


def test_reflection_text_is_encrypted_at_rest(alex_reflection):
    stored = raw_text(alex_reflection)
    assert SECRET not in stored
    assert "phone" not in stored
    assert Reflection.objects.get().text == SECRET


def test_a_value_no_key_can_decrypt_raises_instead_of_showing_ciphertext(alex_reflection, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.UndecryptableValue):
        Reflection.objects.get(pk=alex_reflection.pk)


def test_newest_key_encrypts_and_every_key_decrypts(alex_reflection, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Reflection.objects.get(pk=alex_reflection.pk).text == SECRET
    token = raw_text(alex_reflection)
    rotated = crypto.rotate(token)
    assert Fernet(new_key.encode()).decrypt(rotated.encode()).decode() == SECRET
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == SECRET


def test_reflections_are_not_in_the_admin():
    assert Reflection not in admin.site._registry


def test_a_reflection_names_itself_without_its_text(alex_reflection):
    assert SECRET not in str(alex_reflection)
    assert SECRET not in repr(alex_reflection)


def test_writing_logs_nothing_of_the_text(partner_a, caplog):
    with caplog.at_level(logging.DEBUG):
        partner_a.client.post(reverse("reflection_create", args=[1]), {"text": SECRET})
    assert Reflection.objects.count() == 1
    assert SECRET not in caplog.text


def test_partner_cannot_read_private_reflection(alex_reflection, partner_b):
    for url in (reverse("step_detail", args=[1]), reverse("home")):
        assert SECRET not in partner_b.client.get(url).content.decode()
    assert (
        partner_b.client.get(reverse("reflection_edit", args=[alex_reflection.pk])).status_code
        == 404
    )
    assert (
        partner_b.client.post(reverse("reflection_delete", args=[alex_reflection.pk])).status_code
        == 404
    )
    assert Reflection.objects.filter(pk=alex_reflection.pk).exists()


def test_author_sees_reflections_newest_first(partner_a):
    for text in ("first thought", "second thought", "third thought"):
        partner_a.client.post(reverse("reflection_create", args=[2]), {"text": text})
    content = partner_a.client.get(reverse("step_detail", args=[2])).content.decode()
    assert (
        content.index("third thought")
        < content.index("second thought")
        < content.index("first thought")
    )


def test_adding_in_place_returns_the_list_with_a_fresh_form(partner_a, htmx_headers):
    prompt = partner_a.client.get(reverse("step_detail", args=[1])).context["step"].prompts[0]
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": SECRET, "prompt": prompt}, **htmx_headers
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="reflections"' in content
    assert SECRET in content
    assert Reflection.objects.get().prompt == prompt
    # The form is empty again: the text appears once, in the list.
    assert content.count(SECRET) == 1


def test_adding_without_javascript_redirects_back_to_the_list(partner_a):
    response = partner_a.client.post(reverse("reflection_create", args=[1]), {"text": SECRET})
    assert response.status_code == 302
    assert response["Location"] == reverse("step_detail", args=[1]) + "#reflections"


def test_too_long_reflection_keeps_what_was_typed_and_names_the_limit(partner_a, htmx_headers):
    text = "Ünïcode <b>bold</b> " + "a" * 10_000
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": text}, **htmx_headers
    )
    content = response.content.decode()
    assert "10,000 characters" in content
    assert "Ünïcode &lt;b&gt;bold&lt;/b&gt; aaaa" in content
    assert not Reflection.objects.exists()


def test_blank_reflection_is_refused_gently(partner_a):
    response = partner_a.client.post(reverse("reflection_create", args=[1]), {"text": "   \n "})
    assert b"Even one sentence is enough." in response.content
    assert not Reflection.objects.exists()


def test_unknown_prompt_is_refused(partner_a):
    partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "x", "prompt": "made up?"}
    )
    assert not Reflection.objects.exists()


def test_author_edits_in_place(alex_reflection, partner_a, htmx_headers):
    url = reverse("reflection_edit", args=[alex_reflection.pk])
    form = partner_a.client.get(url, **htmx_headers).content.decode()
    assert "<html" not in form
    assert SECRET in form
    response = partner_a.client.post(url, {"text": "Today was a little easier."}, **htmx_headers)
    content = response.content.decode()
    assert "Today was a little easier." in content
    assert f'id="reflection-{alex_reflection.pk}"' in content
    alex_reflection.refresh_from_db()
    assert alex_reflection.text == "Today was a little easier."


def test_edit_without_javascript(alex_reflection, partner_a):
    url = reverse("reflection_edit", args=[alex_reflection.pk])
    assert b"Edit your reflection" in partner_a.client.get(url).content
    response = partner_a.client.post(url, {"text": "Changed."})
    assert response.status_code == 302
    alex_reflection.refresh_from_db()
    assert alex_reflection.text == "Changed."


def test_edit_errors_keep_the_edit(alex_reflection, partner_a, htmx_headers):
    url = reverse("reflection_edit", args=[alex_reflection.pk])
    response = partner_a.client.post(url, {"text": "b" * 10_001}, **htmx_headers)
    assert b"10,000 characters" in response.content
    assert b"b" * 10_001 in response.content
    alex_reflection.refresh_from_db()
    assert alex_reflection.text == SECRET


def test_delete_asks_first_without_javascript_then_deletes(alex_reflection, partner_a):
    url = reverse("reflection_delete", args=[alex_reflection.pk])
    page = partner_a.client.get(url)
    assert b"Delete this reflection?" in page.content
    assert Reflection.objects.exists()
    response = partner_a.client.post(url)
    assert response.status_code == 302
    assert not Reflection.objects.exists()


def test_delete_in_place_removes_the_item(alex_reflection, partner_a, htmx_headers):
    response = partner_a.client.post(
        reverse("reflection_delete", args=[alex_reflection.pk]), **htmx_headers
    )
    assert response.status_code == 200
    assert response.content == b""
    assert not Reflection.objects.exists()


def test_pages_with_private_text_stay_out_of_htmx_history(alex_reflection, partner_a):
    response = partner_a.client.get(reverse("step_detail", args=[1]))
    assert 'data-hx-history="false"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_reflections_survive_leaving_the_couple(alex_reflection, partner_a, partner_b):
    partner_a.client.post(reverse("couple_end"))
    partner_a.client.post(reverse("couple_start"), {"role": "hurt"})
    assert SECRET in partner_a.client.get(reverse("step_detail", args=[1])).content.decode()


def test_saving_in_place_is_announced_to_screen_readers(partner_a, htmx_headers):
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": SECRET}, **htmx_headers
    )
    assert 'role="status">Your reflection is saved.</p>' in response.content.decode()
    question = partner_a.client.post(reverse("question_ask"), {"text": "Why?"}, **htmx_headers)
    assert 'role="status">Saved.</p>' in question.content.decode()


def test_a_reflection_is_marked_edited_only_once_edited(partner_a, alex_reflection):
    def meta() -> str:
        page = partner_a.client.get(reverse("step_detail", args=[1])).content.decode()
        return page.split(f'id="reflection-{alex_reflection.pk}"', 1)[1].split("</p>", 1)[0]

    assert "edited" not in meta()
    Reflection.objects.filter(pk=alex_reflection.pk).update(
        created_at=alex_reflection.created_at - timedelta(minutes=5)
    )
    assert "· edited" in meta()


def test_a_long_step_shows_the_ten_latest_and_links_to_all(partner_a, htmx_headers):
    alex = partner_a.user.partnerships.get()
    for number in range(12):
        write_reflection(partnership=alex, step=2, text=f"reflection number {number:02d}")
    page = partner_a.client.get(reverse("step_detail", args=[2])).content.decode()
    assert page.count('class="reflection"') == 10
    assert "reflection number 11" in page and "reflection number 02" in page
    assert "reflection number 01" not in page and "reflection number 00" not in page
    assert 'data-testid="all-reflections"' in page
    assert "These are your 10 latest reflections" in page
    everything = partner_a.client.get(reverse("step_detail", args=[2]) + "?reflections=all")
    content = everything.content.decode()
    assert content.count('class="reflection"') == 12
    assert "reflection number 00" in content
    assert 'data-testid="all-reflections"' not in content
    # Writing another in place keeps the ten latest, the new one first.
    response = partner_a.client.post(
        reverse("reflection_create", args=[2]), {"text": "the newest", "prompt": ""}, **htmx_headers
    )
    swapped = response.content.decode()
    assert swapped.count('class="reflection"') == 10
    assert swapped.index("the newest") < swapped.index("reflection number 11")
    assert 'data-testid="all-reflections"' in swapped


def test_writing_from_the_full_list_keeps_showing_all_of_them(partner_a, htmx_headers):
    alex = partner_a.user.partnerships.get()
    for number in range(11):
        write_reflection(partnership=alex, step=2, text=f"reflection number {number:02d}")
    everything = reverse("step_detail", args=[2]) + "?reflections=all"
    page = partner_a.client.get(everything).content.decode()
    create_url = reverse("reflection_create", args=[2]) + "?reflections=all"
    assert f'data-hx-post="{create_url}"' in page and f'action="{create_url}"' in page

    swapped = partner_a.client.post(
        create_url, {"text": "the newest", "prompt": ""}, **htmx_headers
    ).content.decode()
    assert swapped.count('class="reflection"') == 12
    assert "reflection number 00" in swapped
    assert f'data-hx-post="{create_url}"' in swapped

    response = partner_a.client.post(create_url, {"text": "without htmx", "prompt": ""})
    assert response.status_code == 302
    assert response["Location"] == everything + "#reflections"


def test_ten_reflections_need_no_link(partner_a):
    alex = partner_a.user.partnerships.get()
    for number in range(10):
        write_reflection(partnership=alex, step=2, text=f"reflection {number}")
    page = partner_a.client.get(reverse("step_detail", args=[2])).content.decode()
    assert page.count('class="reflection"') == 10
    assert 'data-testid="all-reflections"' not in page


@pytest.fixture
def eleven_on_step_2(partner_a) -> tuple[Reflection, Reflection]:
    """Partner A's oldest and newest of eleven reflections on step 2: one more than shown."""
    alex = partner_a.user.partnerships.get()
    oldest = write_reflection(partnership=alex, step=2, text="the oldest")
    for number in range(10):
        write_reflection(partnership=alex, step=2, text=f"later {number}")
    return oldest, Reflection.objects.filter(author=partner_a.user, step=2).first()


def test_editing_or_keeping_an_older_reflection_returns_to_the_full_list(
    partner_a, eleven_on_step_2
):
    oldest, newest = eleven_on_step_2
    step_page = reverse("step_detail", args=[2])
    everything = step_page + "?reflections=all"

    edit_page = partner_a.client.get(reverse("reflection_edit", args=[oldest.pk])).content.decode()
    assert f'href="{everything}#reflection-{oldest.pk}"' in edit_page
    assert f'data-hx-get="{everything}"' in edit_page
    delete_page = partner_a.client.get(reverse("reflection_delete", args=[oldest.pk]))
    assert f'href="{everything}#reflection-{oldest.pk}"' in delete_page.content.decode()
    saved = partner_a.client.post(
        reverse("reflection_edit", args=[oldest.pk]), {"text": "the oldest, edited", "prompt": ""}
    )
    assert saved["Location"] == f"{everything}#reflection-{oldest.pk}"
    # The cancel link's page holds the reflection it swaps back in.
    assert f'id="reflection-{oldest.pk}"' in partner_a.client.get(everything).content.decode()

    edit_newest = partner_a.client.get(reverse("reflection_edit", args=[newest.pk]))
    assert f'href="{step_page}#reflection-{newest.pk}"' in edit_newest.content.decode()


def test_the_tenth_latest_reflection_is_on_the_step_page_and_the_eleventh_is_not(partner_a):
    alex = partner_a.user.partnerships.get()
    for number in range(12):
        write_reflection(partnership=alex, step=2, text=f"reflection {number}")
    newest_first = list(Reflection.objects.filter(author=partner_a.user, step=2))
    tenth, eleventh = newest_first[9], newest_first[10]
    step_page = reverse("step_detail", args=[2])

    keep_tenth = partner_a.client.get(reverse("reflection_delete", args=[tenth.pk]))
    keep_eleventh = partner_a.client.get(reverse("reflection_delete", args=[eleventh.pk]))
    assert f'href="{step_page}#reflection-{tenth.pk}"' in keep_tenth.content.decode()
    assert f'href="{step_page}?reflections=all#reflection-{eleventh.pk}"' in (
        keep_eleventh.content.decode()
    )


def test_deleting_an_older_reflection_without_javascript_returns_to_the_full_list(
    partner_a, eleven_on_step_2
):
    oldest, newest = eleven_on_step_2
    step_page = reverse("step_detail", args=[2])

    older = partner_a.client.post(reverse("reflection_delete", args=[oldest.pk]))
    latest = partner_a.client.post(reverse("reflection_delete", args=[newest.pk]))

    assert older["Location"] == f"{step_page}?reflections=all#reflections"
    assert latest["Location"] == f"{step_page}#reflections"
