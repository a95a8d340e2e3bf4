"""`loa quiz`: make a quiz from a file or from a document's drafts, publish it, read its results.

The bot that runs sends the invitation (a broadcast in the database) within about a second of
`publish`; members take the quiz with /tracnghiem on Telegram or Zalo.
"""
from __future__ import annotations

from pathlib import Path

from bot.text import plain
from bot.texts import quizzes as T


def _services(settings):
    from bot.cli import _database
    from bot.services.broadcasts import BroadcastsService
    from bot.services.members import MembersService
    from bot.services.quizzes import QuizzesService
    db = _database(settings)
    members = MembersService(db, settings.admin_ids, top_board=settings.board_name)
    broadcasts = BroadcastsService(db, members, settings)
    return db, broadcasts, QuizzesService(db, members, broadcasts, settings.tz)


def _audience(args, broadcasts) -> dict:
    if args.units:
        return {"units": broadcasts.resolve_units(args.units.split(","))}
    if args.reporters:
        return {"role": "reporter"}
    return {"all": True}


def _print_questions(quizzes, quiz_id: int) -> None:
    info, questions = quizzes.questions(None, quiz_id)
    print(T.CLI_QUIZ.format(id=info.id, title=info.title, status=T.STATUS.get(info.status, info.status),
                            count=info.count))
    for n, q in enumerate(questions, start=1):
        print(f"\n{n}. {q.text}")
        for i, o in enumerate(q.options):
            print(f"   {'ABCDEF'[i]}. {o}{'   ✓' if i in q.correct else ''}")
        if q.source:
            print(f"   ({q.source})")


def cmd_quiz(args) -> int:
    from bot.services.quizzes import draft_questions, read_file
    db, broadcasts, quizzes = _services(args.settings)
    try:
        until = broadcasts.parse_time(args.until) if getattr(args, "until", "") else None
        if args.action == "import":
            path = Path(args.target)
            try:
                data = path.read_bytes()
            except OSError as exc:
                print(T.CLI_NO_FILE.format(path=path, why=exc.strerror or exc))
                return 1
            questions = read_file(data, path.name)
            info = quizzes.create(None, args.title or path.stem, questions, _audience(args, broadcasts),
                                  closes_at=until, attempts=args.attempts, via="cli")
        elif args.action == "draft":
            from indexer import KnowledgeBase
            kb = KnowledgeBase(args.settings.index_config)
            doc = kb.document(args.target)
            chunks = kb.passages(doc.doc_id)
            questions = draft_questions(chunks, lambda c: f"{doc.display}, {c.section}", args.count)
            if not questions:
                print(plain(T.DRAFT_NOTHING))
                return 1
            info = quizzes.create(None, args.title or doc.title[:200] or doc.display, questions,
                                  _audience(args, broadcasts), closes_at=until, attempts=args.attempts, via="cli")
        elif args.action == "publish":
            info = quizzes.publish(None, int(args.target), via="cli")
            print(T.CLI_PUBLISHED.format(id=info.id, title=info.title))
            return 0
        elif args.action == "results":
            from bot import quiz
            print(plain(quiz.results(quizzes.results(None, int(args.target)))))
            return 0
        elif args.action == "show":
            _print_questions(quizzes, int(args.target))
            return 0
        else:   # list
            from bot import quiz
            print(plain(quiz.listing(quizzes.listing(None))))
            return 0
        _print_questions(quizzes, info.id)
        print("\n" + T.CLI_DRAFTED.format(id=info.id))
        return 0
    finally:
        db.dispose()


def register(sub) -> None:
    p = sub.add_parser("quiz", help="bài trắc nghiệm: tạo từ tệp hoặc từ văn bản, phát hành, xem kết quả")
    p.add_argument("action", choices=("import", "draft", "publish", "results", "show", "list"))
    p.add_argument("target", nargs="?", default="",
                   help="import: tệp .csv/.xlsx; draft: tên, số hoặc mã văn bản; publish/results/show: số bài")
    p.add_argument("--title", default="", help="tên bài trắc nghiệm")
    p.add_argument("--units", default="", help="tên hoặc số đơn vị, cách nhau bởi dấu phẩy (mặc định: tất cả)")
    p.add_argument("--reporters", action="store_true", help="chỉ người báo cáo của các đơn vị")
    p.add_argument("--until", default="", help='hạn làm bài "DD/MM/YYYY HH:MM" (giờ LOA_TIMEZONE)')
    p.add_argument("--attempts", type=int, default=1, help="số lần mỗi người được làm (1–5)")
    p.add_argument("--count", type=int, default=5, help="draft: số câu soạn từ văn bản")
    p.set_defaults(func=cmd_quiz)
