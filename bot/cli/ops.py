"""Operations commands: `loa backup`."""
from __future__ import annotations

from pathlib import Path


def cmd_backup(args) -> int:
    from bot.services.status import backup
    settings = args.settings
    result = backup(settings.database_url, settings.index_dir, Path(args.out), settings.upload_dir)
    print(f"Backup folder: {result.folder}")
    print(f"Database:      {result.database or '-'} ({result.database_note})")
    print(f"Index:         {result.index or '-'}")
    print(f"Uploads:       {result.uploads or '-'}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("backup", help="consistent copy of the SQLite database, the index and "
                                      "the board's uploads")
    p.add_argument("--out", default="var/backups", help="folder to write the backup into")
    p.set_defaults(func=cmd_backup)
