"""Property tests for the quick-line parser: any text gives a report or a field error, never a crash."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import func, select

from bot.config import DEFAULT_REPORT_FORMS, Settings
from bot.db import Database
from bot.db.models import Report, ReportDraft
from bot.errors import InvalidInput
from bot.services.members import MembersService
from bot.services.reports import (
    FieldError, ParsedReport, ReportsService, Rules, clean, match_form, parse_period, parse_quick,
    quick_line, similar,
)
from indexer.text import fold

TODAY = date(2024, 6, 20)
RULES = Rules(TODAY, DEFAULT_REPORT_FORMS, max_age_days=90, content_max=1000)

# Text that looks like the real thing: pipes, digits, slashes, Vietnamese, controls, emoji.
pieces = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["|", " | ", "/", "hôm nay", "hom nay", "12/06/2024", "31/02", "45 người",
                     "Hội nghị", "mxh", "0", "-1", "\x00", "\u200b", "\u0301", "🙂", "<b>", "'; --",
                     "9" * 30, "１２", "｜", "\n"]),
)
line_like = st.lists(pieces, max_size=12).map("".join)


def check_invariants(result, rules: Rules = RULES) -> None:
    assert isinstance(result, (ParsedReport, FieldError))
    if isinstance(result, FieldError):
        assert result.field in {"format", "date", "form", "content", "participants", "note"}
        assert result.message.startswith("❗")
        return
    assert rules.today - timedelta(days=rules.max_age_days) <= result.activity_date <= rules.today
    assert result.form in rules.forms
    assert result.content.strip() and len(result.content) <= rules.content_max
    assert "\x00" not in result.content and "\x00" not in (result.note or "")
    assert 0 < result.participants <= 1_000_000


@given(st.text())
@example("/baocao")
@example("/baocao ||||")
@example("/baocao hôm nay | Hội nghị | \x00\x00 | 45")
@example("/baocao 29/02 | hn | a | 1")
def test_any_text_gives_report_or_field_error(text):
    check_invariants(parse_quick(text, RULES))
    check_invariants(parse_quick("/baocao " + text, RULES))


@given(line_like)
def test_line_like_text_gives_report_or_field_error(text):
    check_invariants(parse_quick("/baocao " + text, RULES))


@st.composite
def valid_reports(draw):
    d = TODAY - timedelta(days=draw(st.integers(0, RULES.max_age_days)))
    form = draw(st.sampled_from(DEFAULT_REPORT_FORMS))
    written_form = draw(st.sampled_from([form, form.upper(), fold(form), fold(form).title()]))
    words = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)
    content = " ".join(draw(st.lists(words, min_size=1, max_size=8)))
    n = draw(st.integers(1, 1_000_000))
    suffix = draw(st.sampled_from(["", " người", " nguoi", "người"]))
    date_text = draw(st.sampled_from([d.strftime("%d/%m/%Y"), d.strftime("%d-%m-%Y")]
                                     + (["hôm nay", "Hom Nay"] if d == TODAY else [])))
    return (f"/baocao {date_text} | {written_form} | {content} | {n}{suffix}",
            ParsedReport(d, form, content, n))


@given(valid_reports())
def test_valid_lines_parse_exactly_and_round_trip(case):
    line, expected = case
    result = parse_quick(line, RULES)
    assert isinstance(result, ParsedReport), (line, result)
    assert (result.activity_date, result.form, result.participants, result.note) == \
        (expected.activity_date, expected.form, expected.participants, None)
    assert result.content == clean(expected.content)
    assert parse_quick(quick_line(result), RULES) == result


@given(st.text(max_size=40))
def test_form_matching_never_raises_and_only_returns_configured_forms(text):
    result = match_form(text, DEFAULT_REPORT_FORMS)
    assert isinstance(result, FieldError) or result in DEFAULT_REPORT_FORMS


@pytest.mark.parametrize("written, form", [
    ("hoi nghi", "Hội nghị"), ("HỘI NGHỊ", "Hội nghị"), ("hn", "Hội nghị"),
    ("sinh hoat chi bo", "Sinh hoạt chi bộ"), ("shcb", "Sinh hoạt chi bộ"),
    ("Sinh hoạt", "Sinh hoạt chi bộ"), ("tuyen truyen truc tiep", DEFAULT_REPORT_FORMS[2]),
    ("khu dân cư", DEFAULT_REPORT_FORMS[2]), ("truyền thanh", "Truyền thanh cơ sở"),
    ("loa", "Truyền thanh cơ sở"), ("mxh", "Mạng xã hội"), ("Zalo", "Mạng xã hội"),
    ("mang", "Mạng xã hội"), ("khac", "Khác"),
])
def test_form_variants(written, form):
    assert match_form(written, DEFAULT_REPORT_FORMS) == form


def test_ambiguous_prefix_names_the_options():
    forms = ("Hội nghị", "Hội thảo", "Khác")
    result = match_form("hoi", forms)
    assert isinstance(result, FieldError) and "Hội nghị" in result.message \
        and "Hội thảo" in result.message


@given(st.text(max_size=30))
def test_period_parser_raises_only_invalid_input(text):
    try:
        p = parse_period(text, TODAY)
    except InvalidInput as e:
        assert "<b>Kỳ</b>" in e.user_message
    else:
        assert p.start <= p.end and p.kind in {"month", "quarter", "year"}


def test_similarity_is_diacritic_insensitive():
    assert similar("Quán triệt Chỉ thị 30-CT/TW", "quan triet chi thi 30 ct tw cho dang vien")
    assert not similar("Quán triệt Chỉ thị 30", "Triển khai nghị quyết đại hội")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('parser') / 'loa.db'}")
    db.upgrade()
    members = MembersService(db)
    members.add_unit("Chi bộ 1")
    inv = members.create_invite("Chi bộ 1")
    members.join(inv.code, 4242, 4242, "Người báo cáo", None)
    yield ReportsService(db, Settings(database_url=db.url), members)
    db.dispose()


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(), line_like))
def test_service_never_saves_an_unconfirmed_line(service, text):
    try:
        draft = service.draft_quick(4242, "/baocao " + text)
    except InvalidInput:
        pass
    else:
        assert draft.id > 0
    with service.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 0
        assert all(d == "pending" for d in s.scalars(select(ReportDraft.status)))
