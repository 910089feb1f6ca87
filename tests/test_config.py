"""Settings come from DEPECHE_* env vars, .env and the TOML files, in that order of precedence."""

from pathlib import Path

import pytest

from config import Settings
from config.settings import TOML_FILES


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    # Only this test's variables count; a developer's .env must not leak in.
    for key in list(__import__("os").environ):
        if key.startswith("DEPECHE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DEPECHE_LOCAL_CONFIG", "")  # nor a developer's config/local.toml
    monkeypatch.chdir(tmp_path)


def test_defaults_come_from_the_settings_models():
    settings = Settings()
    assert TOML_FILES[0].name == "default.toml" and TOML_FILES[0].exists()
    assert settings.data_dir == Path("data")
    assert settings.chunking.max_words == 80
    assert settings.llm.provider == "none"
    assert settings.chroma.host is None


def test_env_vars_nest_with_double_underscore(monkeypatch):
    monkeypatch.setenv("DEPECHE_RETRIEVAL__TOP_K", "8")
    monkeypatch.setenv("DEPECHE_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("DEPECHE_CHROMA__PORT", "9100")
    monkeypatch.setenv("DEPECHE_TELEGRAM__ALLOWED_CHAT_IDS", "1, -1002")
    monkeypatch.setenv("DEPECHE_TELEGRAM__ADMIN_USER_IDS", "[7, 8]")
    settings = Settings()
    assert settings.retrieval.top_k == 8
    assert (settings.chroma.host, settings.chroma.port) == ("127.0.0.1", 9100)
    assert settings.telegram.allowed_chat_ids == [1, -1002]
    assert settings.telegram.admin_user_ids == [7, 8]


def test_dotenv_is_read_and_env_wins_over_it(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("DEPECHE_LOG_LEVEL=DEBUG\nDEPECHE_RETRIEVAL__TOP_K=3\n", encoding="utf-8")
    monkeypatch.setenv("DEPECHE_RETRIEVAL__TOP_K", "4")
    settings = Settings()
    assert settings.log_level == "DEBUG"
    assert settings.retrieval.top_k == 4


def test_secrets_never_show_in_repr(monkeypatch):
    monkeypatch.setenv("DEPECHE_TELEGRAM__TOKEN", "123456:SECRET-token")
    monkeypatch.setenv("DEPECHE_LLM__API_KEY", "sk-SECRET")
    settings = Settings()
    assert settings.telegram.token.get_secret_value() == "123456:SECRET-token"
    shown = repr(settings) + str(settings.model_dump())
    assert "SECRET" not in shown


def test_the_old_history_turns_variable_still_works_with_a_warning(monkeypatch):
    monkeypatch.setenv("DEPECHE_TELEGRAM__HISTORY_TURNS", "3")
    with pytest.warns(FutureWarning, match="DEPECHE_CONVERSATION__HISTORY_TURNS"):
        settings = Settings()
    assert settings.conversation.history_turns == 3


def test_the_new_history_turns_variable_wins_over_the_old_one(monkeypatch):
    monkeypatch.setenv("DEPECHE_TELEGRAM__HISTORY_TURNS", "3")
    monkeypatch.setenv("DEPECHE_CONVERSATION__HISTORY_TURNS", "4")
    with pytest.warns(FutureWarning):
        assert Settings().conversation.history_turns == 4


def test_a_local_config_file_overrides_and_can_be_switched_off(monkeypatch, tmp_path):
    local = tmp_path / "mine.toml"
    local.write_text("[retrieval]\ntop_k = 9\n", encoding="utf-8")
    monkeypatch.setenv("DEPECHE_LOCAL_CONFIG", str(local))
    assert Settings().retrieval.top_k == 9
    monkeypatch.setenv("DEPECHE_LOCAL_CONFIG", "")
    assert Settings().retrieval.top_k == 5
