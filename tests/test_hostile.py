"""Hostile and broken input through the fake Bot API: every case gets a clear reply or is ignored
on purpose, replies are valid Telegram HTML under 4096 characters, the bot keeps serving, and the
database loses or corrupts nothing."""
from __future__ import annotations

import html.parser
import io
import time

from sqlalchemy import func, select

from bot.db.models import Member, Question, Report, ReportDraft, Unit
from bot.texts import common as TC

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                "blockquote", "tg-spoiler", "span", "tg-emoji"}


class _TagChecker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"tag <{tag}> not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()


def assert_valid_message(call) -> None:
    text = call.params.get("text") or call.params.get("caption") or ""
    assert len(text) <= 4096, f"{call.method} text of {len(text)} characters"
    assert "\x00" not in text
    if call.params.get("parse_mode") == "HTML":
        checker = _TagChecker()
        checker.feed(text)
        checker.close()
        assert not checker.errors and not checker.stack, (checker.errors, checker.stack, text[:300])
        assert "<script" not in text.lower()


TEXT_CASES = {
    "html": '<b>đậm</b><script>alert("x")</script> & <a href="javascript:x">link</a>',
    "markdown": "*đậm* _nghiêng_ [link](http://evil.example) `code` ```pre```",
    "ten-thousand": "chỉ thị 30 tuyên truyền miệng " * 340,
    "zero-width": "chi\u200b thi\u200d 30 do ai\ufeff ban ha\u0300nh",
    "combining": "nhie\u0302\u0323m vu\u0323 cu\u0309a ba\u0301o ca\u0301o vie\u0302n la\u0300 gi\u0300",
    "emoji": "🙏🇻🇳😀" * 60,
    "nul": "chi thi 30\x00 do ai ban hanh\x00",
    "control": "\x1b[31m\x07\x08 bao cao vien\x7f",
    "sql": "'; DROP TABLE members; -- ",
    "bidi": "\u202etuyên truyền\u202c miệng",
    "spaces": " \u00a0\u3000 ",
    "report-html": "/baocao hôm nay | Hội nghị | <script>alert(1)</script> <b>x</b> | 45",
    "report-nul": "/baocao hôm nay | Hội nghị | quán triệt\x00 | 4\x005",
    "report-huge": "/baocao hôm nay | Hội nghị | " + "nội dung " * 1200 + " | 45",
    "report-garbage": "/baocao |||||||||||",
    "report-sql": "/baocao hôm nay | Hội nghị | '); DELETE FROM reports; -- | 12",
    "broadcast-by-member": "/phatdi <b>không được phép</b>",
    "unknown-command": "/xoa_het_du_lieu",
    "command-mention": "/huongdan@loa_test_bot",
    "traloi-by-member": "/traloi 1 <i>trả lời giả</i>",
}


def _counts(loa) -> dict:
    with loa.db.session() as s:
        return {"members": s.scalar(select(func.count(Member.id))),
                "units": s.scalar(select(func.count(Unit.id))),
                "reports": s.scalar(select(func.count(Report.id)))}


async def test_hostile_text_corpus(bot):
    tg = bot.tg
    victim = await bot.member("Chi bộ Khu phố 2", "Nạn Nhân", reporter=True)
    attacker = await bot.member("Chi bộ Khu phố 1", "Kẻ <Thử>", reporter=True)
    before = _counts(bot.loa)
    for name, text in TEXT_CASES.items():
        mark = await attacker.send(text)
        reply = await attacker.next_reply(mark, timeout=30)
        assert reply.text.strip(), name
        for call in tg.sent(since=mark):
            assert_valid_message(call)
        # Only the attacker and the board (a hand-off notice) may hear of it, nobody else.
        assert not [c for c in tg.sent(since=mark)
                    if c.chat_id not in (attacker.id, bot.admin.id, None)], name
    await bot.settled()
    after = _counts(bot.loa)
    assert after == before, (before, after)
    # Stored questions are clean text (PostgreSQL rejects NUL; nothing was silently dropped).
    with bot.loa.db.session() as s:
        stored = list(s.scalars(select(Question.text)))
        assert stored and all("\x00" not in q for q in stored)
        drafts = list(s.scalars(select(ReportDraft)))
        assert all("\x00" not in str(d.payload) for d in drafts)
    # The bot keeps serving the next user correctly.
    answer = await victim.reply("chi thi 30 do ai ban hanh")
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.text


async def test_non_text_messages_and_edits(bot_sqlite):
    tg = bot_sqlite.tg
    u = await bot_sqlite.member()
    kinds = {
        "sticker": {"sticker": {"file_id": "S1", "file_unique_id": "s1", "type": "regular",
                                "width": 512, "height": 512, "is_animated": False,
                                "is_video": False}},
        "voice": {"voice": {"file_id": "V1", "file_unique_id": "v1", "duration": 3}},
        "location": {"location": {"latitude": 21.03, "longitude": 105.85}},
        "contact": {"contact": {"phone_number": "0900000000", "first_name": "A"}},
    }
    for name, extra in kinds.items():
        mark = await u.send_update({"message": u.message(None, **extra)})
        reply = await u.next_reply(mark)
        assert reply.text == TC.UNSUPPORTED_MESSAGE, name
    # An edit of a message that never was a question is ignored (edited questions: test_qa_related.py).
    mark = await u.send_update({"edited_message": {**u.message("chi thi 30 do ai ban hanh"),
                                                   "edit_date": int(time.time())}})
    # ...and a group message too.
    await u.send("chi thi 30 do ai ban hanh", chat_id=-100999)
    await bot_sqlite.settled()
    assert tg.sent(chat_id=u.id, since=mark) == []
    assert not tg.sent(chat_id=-100999, since=mark)


async def test_forged_callback_data(bot):
    tg = bot.tg
    owner = await bot.member("Chi bộ Khu phố 2", "Chủ Báo Cáo", reporter=True)
    forger = await bot.member("Chi bộ Khu phố 1", "Người Giả Mạo", reporter=True)
    preview = await owner.reply("/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 30")
    save = preview.button("Lưu")["callback_data"]
    asked = await owner.reply("chi thi 30 do ai ban hanh")
    rate = asked.buttons()[0]["callback_data"] if asked.buttons() else "qa:up:1"
    forged = [save, rate, "ack:999999", "ack:" + "9" * 60, "rep:delok:1", "bcl:cancel:1",
              "qa:faq:1", "kp:../../etc/passwd:1", "x" * 300, "", "rep:ok:-1", "dgx:1"]
    for data in forged:
        mark = await forger.press_data(data)
        answers = [c for c in tg.calls[mark:] if c.method == "answerCallbackQuery"]
        assert answers, data
    with bot.loa.db.session() as s:
        assert s.scalar(select(func.count(Report.id))) == 0
        q = s.scalar(select(Question).where(Question.telegram_id == owner.id))
        assert q.rating is None
    # The owner's own button still works, exactly once.
    await owner.press(preview, "Lưu")
    await owner.press(preview, "Lưu")
    with bot.loa.db.session() as s:
        assert s.scalar(select(func.count(Report.id))) == 1


async def test_hostile_uploads_keep_the_index_serving(sqlite_url, own_kb):
    from tests.conftest import running_bot
    async with running_bot(sqlite_url, own_kb, max_upload_mb=1) as h:
        admin = h.admin
        await admin.reply("/start")
        chunks_before = h.loa.kb.stats().chunks
        cases = [
            ("virus.exe", b"MZ\x90\x00" * 100),
            ("anh.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100),
            ("hong.docx", b"PK\x03\x04 this is not really a docx"),
            ("hong.pdf", b"%PDF-1.4\n garbage without objects"),
            ("to-qua.txt", ("Chỉ thị " * 200_000).encode()),
        ]
        # A PDF with a page but no text (like a scan).
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        buf = io.BytesIO()
        fig = plt.figure()
        fig.savefig(buf, format="pdf")
        plt.close(fig)
        cases.append(("ban-scan.pdf", buf.getvalue()))
        for name, content in cases:
            mark = await admin.send_document(name, content)
            reply = await admin.next_reply(mark, timeout=60)
            assert reply.text, name
            assert "✅" not in reply.text.split("\n")[0], (name, reply.text)
            for call in h.tg.sent(chat_id=admin.id, since=mark):
                assert_valid_message(call)
        assert h.loa.kb.stats().chunks == chunks_before
        assert not [p.name for p in own_kb.config.knowledge_dir.iterdir()
                    if p.name in {n for n, _ in cases}]
        u = await h.member()
        answer = await u.reply("chi thi 30 do ai ban hanh")
        assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.text


# ------------------------------------------------------------------ the security probe's cases
INVISIBLE = ("\u202e", "\u202c", "\u2066", "\u2069", "\u200e", "\u200f", "\u2028", "\u00ad")


async def test_bidi_names_are_cleaned_in_lists_summaries_and_exports(bot_sqlite):
    """A profile or unit name with U+202E cannot show reversed in /thanhvien, /tonghop, exports."""
    import csv
    from tests.faketg import FakeUser
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    added = await admin.reply("/donvi_them Chi bộ \u202eKhu phố 9\u202c\u2066")
    assert "<b>Chi bộ Khu phố 9</b>" in added.text
    invite = await admin.reply("/moi Chi bộ Khu phố 9")
    code = invite.text.split("start=")[1].split()[0]
    spoofer = FakeUser(h.tg, 5_123_456, "\u202eNguyễn\u200f Văn\u00ad Tư", None,
                       last_name="\u2028Bùi\u2066")
    assert "Chi bộ Khu phố 9" in (await spoofer.reply(f"/start {code}")).text
    member = h.loa.members.get(spoofer.id)
    assert member.full_name == "Nguyễn Văn Tư Bùi" and member.unit_name == "Chi bộ Khu phố 9"
    preview = await spoofer.reply("/baocao hôm nay | Hội nghị | Quán\u200e triệt\u200f "
                                  "Chỉ\u00ad thị\u2028 30 | 12")
    mark = await spoofer.press(preview, "Lưu")
    await h.tg.wait_for(lambda c: c.chat_id == spoofer.id and "Đã lưu" in c.text, mark)
    with h.loa.db.session() as s:
        content = s.scalar(select(Report.content))
    assert not any(ch in content for ch in INVISIBLE)
    assert " ".join(content.split()) == "Quán triệt Chỉ thị 30"
    mark = h.tg.mark()
    listing = await admin.reply("/thanhvien")
    assert "Nguyễn Văn Tư Bùi" in listing.text
    summary = await admin.reply("/tonghop")
    assert "Chi bộ Khu phố 9" in summary.text
    m = await admin.send("/xuatbaocao")
    await h.tg.wait_for(lambda c: c.method == "sendDocument"
                        and c.params["document"]["filename"].endswith(".csv"), m)
    exported = next(c.files["document"][1] for c in h.tg.sent(method="sendDocument", since=m)
                    if c.files["document"][0].endswith(".csv"))
    row = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))[1]
    assert row[1:3] == ["Chi bộ Khu phố 9", "Nguyễn Văn Tư Bùi"]
    for call in h.tg.sent(since=mark):
        assert not any(ch in call.text for ch in INVISIBLE), call.text


async def test_invite_reuse_is_refused(bot_sqlite):
    bot = bot_sqlite
    """An invite for one person cannot be passed on; tapping it again oneself changes nothing."""
    from bot.texts import common as TC
    bot.loa.members.add_unit("Chi bộ Khu phố 4")
    inv = bot.loa.members.create_invite("Chi bộ Khu phố 4", max_uses=1)
    owner, other = bot.user("Chủ Mã Mời"), bot.user("Người Nhặt Được")
    assert "Chi bộ Khu phố 4" in (await owner.reply(f"/start {inv.code}")).text
    assert "Bạn đang thuộc đơn vị" in (await owner.reply(f"/start {inv.code}")).text
    assert (await other.reply(f"/start {inv.code}")).text == TC.INVITE_USED_UP.format(board="Ban Tuyên giáo")
    assert bot.loa.members.get(other.id) is None
    with bot.loa.db.session() as s:
        assert s.scalar(select(func.count(Member.id)).where(Member.unit.has(
            name="Chi bộ Khu phố 4"))) == 1


def _bomb_cases() -> list[tuple[str, bytes, str]]:
    from tests import bombs
    return [("bom-nen.docx", bombs.docx_bomb(), "quá lớn"),
            ("bom-khai-gian.docx", bombs.docx_lying_bomb(), "bị hỏng"),
            ("qua-nhieu-phan.docx", bombs.docx_many_parts(), "quá lớn"),
            ("bom-nen.pdf", bombs.pdf_bomb(), "quá lớn"),
            ("nhieu-trang.pdf", bombs.pdf_bomb(9 * bombs.MB, pages=7), "quá lớn")]


async def test_zip_bombs_are_refused_and_the_index_keeps_serving(sqlite_url, own_kb):
    from tests.conftest import running_bot
    async with running_bot(sqlite_url, own_kb) as h:
        admin = h.admin
        await admin.reply("/start")
        build_id = h.loa.kb.stats().build_id
        for name, content, reason in _bomb_cases():
            assert len(content) < 3 * 1024 * 1024, name   # small files: the size check passes
            mark = await admin.send_document(name, content)
            reply = await h.tg.wait_for(lambda c: c.chat_id == admin.id and "Không đọc được" in c.text,
                                        mark, timeout=60)
            assert f"«{name}»" in reply.text and reason in reply.text, reply.text
            assert "vẫn giữ nguyên" in reply.text
        assert h.loa.kb.stats().build_id == build_id
        uploads = h.loa.knowledge.folder
        assert not uploads.exists() or not [p for p in uploads.iterdir()]
        u = await h.member()
        answer = await u.reply("chi thi 30 do ai ban hanh")
        assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.text


async def test_zip_bomb_upload_to_a_real_bot_process_stays_within_a_few_mb(tmp_path, sqlite_url):
    from tests import bombs
    from tests.botproc import upload_rss
    reply, before, peak, high = await upload_rss(tmp_path, sqlite_url, "bom-nen.docx",
                                                 bombs.docx_bomb())
    print(f"\nzip bomb (1 MB -> 1 GB .docx) through a real bot process: RSS {before:.0f} MB "
          f"before, peak {peak:.0f} MB during the upload (+{peak - before:.1f} MB); "
          f"high-water mark since start {high:.0f} MB")
    assert "Không đọc được tệp «bom-nen.docx»" in reply.text and "quá lớn" in reply.text
    # Unpacking it took 1.9 GB before the check; now the file is refused before unpacking.
    assert peak - before < 40, (before, peak)
    assert high < before + 500, (before, high)   # no spike between two samples either


def test_bomb_in_the_knowledge_folder_does_not_blow_up_loa_index(tmp_path):
    """`loa index` reports the bombs by name, indexes the rest, and stays small."""
    import os
    import subprocess
    import sys

    from tests import bombs
    from tests.conftest import KNOWLEDGE, ROOT
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for p in KNOWLEDGE.iterdir():
        (knowledge / p.name).write_bytes(p.read_bytes())
    (knowledge / "bom-nen.docx").write_bytes(bombs.docx_bomb())
    (knowledge / "bom-nen.pdf").write_bytes(bombs.pdf_bomb())
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
    env.update(LOA_KNOWLEDGE_DIR=str(knowledge), LOA_INDEX_DIR=str(tmp_path / "index"),
               LOA_UPLOAD_DIR=str(tmp_path / "uploads"), LOA_EMBEDDING_MODEL="hashing-64",
               PYTHONPATH=str(ROOT))
    # `loa index`, telling its own high-water mark as it exits (ru_maxrss would include the
    # test process it was forked from).
    script = ("import atexit, sys\n"
              "atexit.register(lambda: sys.stderr.write(next(l for l in open('/proc/self/status')"
              " if l.startswith('VmHWM'))))\n"
              "from bot.cli import main\n"
              "sys.exit(main(['index']))\n")
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    out, err = proc.stdout, proc.stderr
    peak_mb = int(err.rsplit("VmHWM:", 1)[1].split()[0]) / 1024
    print(f"\nloa index with a 1 GB docx bomb and a 1 GB pdf bomb in knowledge/: peak RSS "
          f"{peak_mb:.0f} MB")
    assert proc.returncode == 1, (out, err)   # unreadable files make the exit code non-zero
    assert "lỗi: bom-nen.docx: too large" in err and "lỗi: bom-nen.pdf: too large" in err
    assert "1 văn bản" in out and "đã lập chỉ mục: ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt" in out
    assert peak_mb < 400, peak_mb   # reading either bomb would need more than 1 GB
