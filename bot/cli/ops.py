"""Operations commands: `loa backup`."""
from __future__ import annotations

from pathlib import Path

from bot.texts import cli as T


def cmd_backup(args) -> int:
    from bot.services.status import backup
    settings = args.settings
    result = backup(settings.database_url, settings.index_dir, Path(args.out), settings.upload_dir)
    print(T.BACKUP.format(folder=result.folder, database=result.database or "-",
                          note=result.database_note, index=result.index or "-",
                          uploads=result.uploads or "-"))
    return 0


def register(sub) -> None:
    p = sub.add_parser("backup", help="sao lưu nhất quán cơ sở dữ liệu SQLite, chỉ mục và "
                                      "tài liệu Ban tải lên")
    p.add_argument("--out", default="var/backups", help="thư mục ghi bản sao lưu")
    p.set_defaults(func=cmd_backup)
