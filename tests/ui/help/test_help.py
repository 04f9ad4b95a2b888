"""Help on F1 (issue 19): every page has a topic in both languages, the keys tables are the
keys the pages register, F1 opens the topic of the page or dialog in front, the search finds
Chinese and English words, and the window is driven by keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from branch_crm import i18n
from branch_crm.ui import keys
from branch_crm.ui.help import topics
from branch_crm.ui.help import window as help_window
from branch_crm.ui.icons import ICONS
from branch_crm.ui.pages import PAGES
from tests.support.keyboard import type_text
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]
LANGUAGES = sorted(i18n.LANGUAGES)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_the_main_window_has_a_topic(language: str) -> None:
    """A page cannot ship without its help: one file per page key and language, with a
    title and a keys table the app fills in."""
    missing = [spec.key for spec in PAGES if topics.topic(language, spec.key) is None]
    assert missing == [], f"no help topic in {language} for pages {missing}"
    for spec in PAGES:
        found = topics.topic(language, spec.key)
        assert found is not None and found.title != spec.key
        assert topics.keys_block(found.source) is not None, f"{language}/{spec.key}.md"


def test_both_languages_have_the_same_topics() -> None:
    names = {language: set(topics.topic_names(language)) for language in LANGUAGES}
    assert names["en"] == names["zh_CN"]
    assert topics.topic_names("en")[: len(PAGES)] == [spec.key for spec in PAGES]
    assert set(help_window.DIALOG_TOPICS.values()) <= names["en"]
    assert topics.OVERVIEW in names["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_colour_and_icon_named_in_a_topic_exists(language: str) -> None:
    colours = topics.colours()
    for name in topics.topic_names(language):
        found = topics.topic(language, name)
        assert found is not None
        for kind, what in topics.placeholders(found.source):
            known = what in colours if kind == "swatch" else what in ICONS
            assert known, f"{language}/{name}.md: unknown {kind} {what!r}"
        assert "{{" not in topics.expand(found.source), f"{language}/{name}.md"


def test_colours_are_the_ones_the_screens_paint() -> None:
    from branch_crm.services.complaints import queue as cq
    from branch_crm.ui.care.model import OVERDUE_BACKGROUND
    from branch_crm.ui.complaints.visuals import state_background

    colours = topics.colours()
    assert colours[f"complaint.{cq.BREACHED}"][1] == state_background(cq.BREACHED).name().upper()
    assert colours["care.overdue"][1] == OVERDUE_BACKGROUND.name()
    assert "#FDE7E9" in topics.swatch_html(f"complaint.{cq.BREACHED}")


@pytest.fixture(scope="module")
def registered() -> dict[str, dict[str, str]]:
    """language -> topic -> the keys table made from the live main window now."""
    from scripts import help_keys

    return help_keys.current_blocks()


@pytest.mark.parametrize("language", LANGUAGES)
def test_keys_tables_match_the_registered_shortcuts(
    qapp, registered: dict[str, dict[str, str]], language: str
) -> None:  # type: ignore[no-untyped-def]
    """The keys table of each page's topic is what the page registers now (run
    ``scripts/help_keys.py`` after changing a page's keys)."""
    stale = []
    for name, block in registered[language].items():
        found = topics.topic(language, name)
        assert found is not None, f"{language}/{name}.md"
        if topics.keys_block(found.source) != block:
            stale.append(f"{language}/{name}.md")
    assert stale == [], "run: PYTHONPATH=src python scripts/help_keys.py"
    lookup = registered["en"]["lookup"] if language == "en" else registered[language]["lookup"]
    assert "Ctrl+N" in lookup and "F3" in lookup
    assert "Ctrl+I" in registered[language]["complaints"]  # the figures, a button's key


@pytest.fixture
def main(show, admin_ctx):  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    keys.install_help(QApplication.instance())  # type: ignore[arg-type]
    help_window.install()
    return show(MainWindow(admin_ctx))


def _help() -> help_window.HelpWindow:
    shown = help_window.help_window()
    assert shown.isVisible()
    return shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_f1_on_a_page_opens_its_topic(qtbot, main, language: str) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(language)
    for page in ("complaints", "care", "home"):
        main.show_page(page)
        main.activateWindow()
        qtbot.waitUntil(main.isActiveWindow, timeout=2000)
        qtbot.keyClick(main.focusWidget() or main, Qt.Key.Key_F1)
        shown = _help()
        assert shown.current_topic() == page
        title = topics.topic(language, page).title  # type: ignore[union-attr]
        assert title in shown.windowTitle()
        assert shown.browser.toPlainText().startswith(title)
    assert main.ctx.actor.role.value == "admin"
    shown.close()


def test_f1_in_a_dialog_opens_the_dialogs_topic(qtbot, show, ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

    keys.install_help(QApplication.instance())  # type: ignore[arg-type]
    help_window.install()
    i18n.set_language("zh_CN")
    dialog = show(TakeComplaintDialog(ctx))
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_F1)
    shown = _help()
    assert shown.current_topic() == "complaint_take"
    assert "受理投诉" in shown.windowTitle()
    shown.close()


def test_help_menu_opens_the_page_topic(main) -> None:  # type: ignore[no-untyped-def]
    main.show_page("surveys")
    assert main.action_help in main.help_menu.actions()
    main.action_help.trigger()
    assert _help().current_topic() == "surveys"
    _help().close()


@pytest.mark.parametrize(
    ("language", "word", "topic"),
    [
        ("zh_CN", "超时", "complaints"),
        ("en", "breached", "complaints"),
        ("zh_CN", "签到表", "training"),
    ],
)
def test_search_finds_words_as_you_type_and_marks_them(
    qtbot, show, language: str, word: str, topic: str
) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(language)
    shown = help_window.show_help(None, "overview")
    qtbot.waitExposed(shown)
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow, timeout=2000)
    shown.browser.setFocus()
    qtbot.keyClick(shown.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert shown.search.hasFocus()
    type_text(qtbot, shown.search, word)
    titles = [shown.list.item(i).text() for i in range(shown.list.count())]
    assert shown.current_topic() == shown.hits()[0].name  # the best hit shown at once
    assert shown.highlighted()
    assert topics.topic(language, topic).title in titles  # type: ignore[union-attr]
    assert shown.list.count() < len(topics.topic_names(language))
    qtbot.keyClick(shown.search, Qt.Key.Key_Down)
    assert shown.list.hasFocus()
    row = titles.index(topics.topic(language, topic).title)  # type: ignore[union-attr]
    shown.list.setCurrentRow(row)
    assert shown.current_topic() == topic
    marked = shown.highlighted()
    assert marked and all(text.casefold() == word.casefold() for text in marked)
    shown.close()


def test_search_finds_nothing_and_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = help_window.show_help(None, "overview")
    shown.search.setText("zzqqxx")
    assert shown.list.count() == 0
    assert "zzqqxx" in shown.status.text()
    shown.search.clear()
    assert shown.list.count() == len(topics.topic_names("en"))
    shown.close()


def test_back_forward_and_esc(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = help_window.show_help(None, "lookup")
    qtbot.waitExposed(shown)
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow, timeout=2000)
    shown.show_topic("complaints")
    assert shown.back.isEnabled()
    shown.browser.setFocus()
    qtbot.keyClick(shown.browser, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert shown.current_topic() == "lookup"
    qtbot.keyClick(shown.browser, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert shown.current_topic() == "complaints"
    qtbot.keyClick(shown.browser, Qt.Key.Key_Escape)
    assert not shown.isVisible()


def test_language_switch_shows_the_topic_in_the_new_language(qtbot) -> None:  # type: ignore[no-untyped-def]
    shown = help_window.show_help(None, "sync")
    assert shown.browser.toPlainText().startswith("Sync")
    i18n.set_language("zh_CN")
    qtbot.waitUntil(lambda: shown.browser.toPlainText().startswith("同步"), timeout=2000)
    assert shown.list.item(0).text() == topics.topic("zh_CN", PAGES[0].key).title  # type: ignore[union-attr]
    shown.close()


def test_topic_links_and_outside_addresses(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QUrl

    shown = help_window.show_help(None, "overview")
    assert shown.browser.loadResource(0, QUrl("https://example.com/x")) is None
    shown.show_topic("no_such_topic")
    assert shown.current_topic() == topics.OVERVIEW
    shown.close()


def test_a_dialog_names_its_topic_or_gets_the_page_behind_it(main) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog

    main.show_page("training")
    plain = QDialog(main)
    assert help_window.topic_for(plain) == "training"  # no topic of its own
    plain.setProperty(help_window.TOPIC_PROPERTY, "care_visit")
    assert help_window.topic_for(plain) == "care_visit"
    plain.setProperty(help_window.TOPIC_PROPERTY, None)
    plain.setObjectName("complaintDetail")
    assert help_window.topic_for(plain) == "complaint_detail"
    assert help_window.topic_for(None) == "training"  # the main window's page
