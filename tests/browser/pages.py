"""The pages each demo role reaches, for the walk that checks every page's words and accessibility
(test_words_and_access.py with a11y.check_page): a new page is added here and gets checked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ids:
    drill: int
    scenario: int
    inject: int
    case: int
    draft: int  # a draft scenario: its page has the editor's forms


def pages_while_running(ids: Ids) -> dict[str, list[str]]:
    """Username -> paths, while the drill runs ("" is the anonymous visitor)."""
    d, s = ids.drill, ids.scenario
    return {
        "": ["/accounts/login/", "/accounts/set-password/not-a-user/not-a-token/"],
        "coordinator": [
            "/",
            "/scenarios/",
            "/scenarios/new/",
            f"/scenarios/{s}/",
            f"/scenarios/{s}/diff/",
            f"/scenarios/{ids.draft}/",
            "/scenarios/import/",
            f"/drills/new/?scenario={s}",
            f"/drills/{d}/setup/",
            f"/drills/{d}/",
            f"/injects/{ids.inject}/",
            "/people/",
            "/trends/",
            "/cases/",
            "/cases/new/",
            f"/cases/{ids.case}/",
            "/accounts/password/",
        ],
        "cs": ["/", f"/drills/{d}/", f"/injects/{ids.inject}/", "/accounts/password/"],
        "observer": ["/", f"/drills/{d}/"],
    }


def pages_after_the_end(ids: Ids) -> dict[str, list[str]]:
    """Username -> paths once the drill has finished (questionnaires sent, findings proposed, the
    report published)."""
    d = ids.drill
    return {
        "coordinator": [f"/drills/{d}/", f"/drills/{d}/proposals/", f"/drills/{d}/report/"],
        "cs": [f"/drills/{d}/questionnaire/", f"/drills/{d}/report/"],
        "observer": [f"/drills/{d}/", f"/drills/{d}/questionnaire/", f"/drills/{d}/report/"],
    }


def forms_opened_in_place(ids: Ids) -> list[tuple[str, str, str]]:
    """(username, path, what to click): forms that htmx opens inside a page, checked once open."""
    draft = f"/scenarios/{ids.draft}/"
    return [
        ("coordinator", draft, ".edit-event >> nth=0"),  # an event with its escalation ladder
        ("coordinator", draft, "#objectives .btn.small >> nth=0"),  # an objective with its critical tasks
    ]
