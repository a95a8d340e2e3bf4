"""One settings object: every variable read once, checked, documented; the index configuration
derived from it."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError
from indexer import IndexConfig, KnowledgeBase

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_has_a_variable_documented_in_the_readme():
    table = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ")[0]
    documented = set(re.findall(r"`((?:LOA|TELEGRAM)_[A-Z_]+)`", table))
    variables = Settings.variables()
    assert {f.name for f in fields(Settings)} == set(variables.values())
    # LOA_TORCH_THREADS is still read by indexer/embeddings.py itself.
    assert set(variables) == documented - {"LOA_TORCH_THREADS"}, (set(variables) ^ documented)


def test_values_are_parsed_once_and_bad_ones_named():
    s = Settings.from_env({"LOA_ADMIN_IDS": "1, 2;3", "LOA_OPEN_QA": "có", "LOA_SEND_RATE": "12.5",
                           "LOA_REPORT_FORMS": "A, B ,", "LOA_QUERY_PREFIX": "query: ",
                           "LOA_BOT_USERNAME": "@loa_bot", "LOA_REMINDER_TIME": "7:05",
                           "LOA_DENSE_WEIGHT": "1.7", "LOA_FLOOD_WINDOW": " "})
    assert s.admin_ids == frozenset({1, 2, 3}) and s.open_qa is True and s.send_rate == 12.5
    assert s.report_forms == ("A", "B") and s.query_prefix == "query: "
    assert s.bot_username == "loa_bot" and s.reminder_time == "07:05"
    assert s.dense_weight == 1.0 and s.flood_window == 60.0   # clamped; empty means default
    for name, value in {"LOA_SEND_RATE": "nhanh", "LOA_BROADCAST_IN_FLIGHT": "0",
                        "LOA_REMINDER_TIME": "25:00", "LOA_TIMEZONE": "Asia/Hanoi_Moon",
                        "LOA_OPEN_QA": "maybe", "LOA_ADMIN_IDS": "12,abc"}.items():
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})


def test_dotenv_fills_what_the_environment_lacks(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("LOA_SEND_RATE=20\nLOA_TIMEZONE=Asia/Bangkok\n", encoding="utf-8")
    monkeypatch.setenv("LOA_SEND_RATE", "10")
    monkeypatch.delenv("LOA_TIMEZONE", raising=False)
    s = Settings.from_env(dotenv=str(env_file))
    assert s.send_rate == 10.0 and s.timezone == "Asia/Bangkok"


def test_index_config_is_derived_from_the_settings():
    s = Settings.from_env({"LOA_KNOWLEDGE_DIR": "k", "LOA_EMBEDDING_MODEL": "/models/e5",
                           "LOA_QUERY_PREFIX": "query: ", "LOA_PASSAGE_PREFIX": "passage: ",
                           "LOA_DENSE_WEIGHT": "0.5"})
    config = s.index_config
    assert config == IndexConfig(Path("k"), Path("var/index"), "/models/e5", "query: ",
                                 "passage: ", 0.5, extra_dirs=(Path("var/uploads"),))
    assert KnowledgeBase(config).fusion.alpha == 0.5
    assert Settings.from_env({}).index_config.model == "multilingual-e5-small"


def test_cli_refuses_a_bad_setting_in_one_line(monkeypatch, capsys, tmp_path):
    from bot.cli import main
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOA_REPORT_EDIT_HOURS", "hai ngày")
    assert main(["units", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LOA_REPORT_EDIT_HOURS" in err
