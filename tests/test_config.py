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
    monkeypatch.setenv("DEPECHE_INDEX__ROLE", "reader")
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


# --- settings that refuse mistakes ------------------------------------------------------------

from config.settings import SOURCE_ROOT, load_settings  # noqa: E402
from index.errors import SettingsInvalid  # noqa: E402


def refused(**env: str) -> str:
    """The message `load_settings` refuses these variables with (it must refuse them)."""
    import os

    for key, value in env.items():
        os.environ[key] = value
    try:
        with pytest.raises(SettingsInvalid) as caught:
            load_settings()
    finally:
        for key in env:
            del os.environ[key]
    message = str(caught.value)
    assert "pydantic" not in message and "http" not in message and "\n" not in message, message
    return message


def test_an_empty_data_dir_means_the_default_not_the_working_directory(monkeypatch):
    monkeypatch.setenv("DEPECHE_DATA_DIR", "")
    monkeypatch.setenv("DEPECHE_SEEDS_DIR", " ")
    settings = load_settings()
    assert (settings.data_dir, settings.seeds_dir) == (Path("data"), Path("seeds"))


@pytest.mark.parametrize("where", [".", "index", "index/generations", "bot", "config"])
def test_the_data_dir_is_never_the_source_tree_or_inside_its_packages(monkeypatch, where):
    monkeypatch.chdir(SOURCE_ROOT)
    message = refused(DEPECHE_DATA_DIR=where)
    assert message.startswith(f"DEPECHE_DATA_DIR = '{where}'") and "source tree" in message
    # Elsewhere (the test's own folder) is fine, and so is a `data` folder at the root.
    assert load_settings(data_dir=SOURCE_ROOT / "data").data_dir == SOURCE_ROOT / "data"


@pytest.mark.parametrize("variable", ["DEPECHE_RETRIEVAL__TOP_K", "DEPECHE_EMBEDDING__COMMIT_BATCH"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_counts_below_one_are_refused_naming_the_variable(variable, value):
    message = refused(**{variable: value})
    assert message == f"{variable} = '{value}': Input should be greater than or equal to 1"


def test_every_numeric_setting_has_a_range():
    """No int or float setting is left without a bound (a port, a count, a weight, a timeout)."""
    from test_settings_docs import DEFAULTS

    unbounded = []
    for dotted, default in DEFAULTS.items():
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        section, _, name = dotted.rpartition(".")
        model = Settings.model_fields[section].annotation if section else Settings
        metadata = model.model_fields[name].metadata
        if not any(hasattr(m, attr) for m in metadata for attr in ("ge", "gt", "le", "lt")):
            unbounded.append(dotted)
    assert unbounded == []


def test_a_value_that_is_not_a_number_names_the_variable_the_user_set():
    message = refused(depeche_retrieval__top_k="abc")  # matched case-insensitively
    assert message.startswith("depeche_retrieval__top_k = 'abc': Input should be a valid integer")
    assert "retrieval.top_k" not in message


@pytest.mark.parametrize(
    ("variable", "suggestion"),
    [
        ("DEPECHE_RETRIEVAL__TOPK", "retrieval.top_k"),
        ("DEPECHE_RETREIVAL__TOP_K", "retrieval.top_k"),
        ("DEPECHE_TOP_K", "retrieval.top_k"),
        ("Depeche_Sources__MaxBytes", "sources.max_bytes"),
    ],
)
def test_unknown_variables_are_refused_with_the_nearest_name(variable, suggestion):
    from config.settings import env_name

    message = refused(**{variable: "3"})
    assert message == f"unknown variable {variable}. Did you mean `{suggestion}` (`{env_name(suggestion)}`)?"


def test_variables_that_are_not_settings_but_are_known_stay_valid(monkeypatch):
    monkeypatch.setenv("DEPECHE_TELEGRAM__HISTORY_TURNS", "2")
    monkeypatch.setenv("OTHER_TOP_KK", "1")  # not ours: no prefix
    with pytest.warns(FutureWarning):
        assert load_settings().conversation.history_turns == 2


def test_an_unknown_variable_in_dotenv_is_refused_naming_the_file(tmp_path):
    (tmp_path / ".env").write_text("# comment\nOTHER=1\nDEPECHE_RETRIEVAL__TOPK=3\n", encoding="utf-8")
    message = refused()
    assert message.startswith(".env: unknown variable DEPECHE_RETRIEVAL__TOPK. Did you mean `retrieval.top_k`")


def test_a_bad_value_in_dotenv_names_the_file():
    import os

    Path(".env").write_text("DEPECHE_RETRIEVAL__TOP_K=-1\n", encoding="utf-8")
    assert "DEPECHE_RETRIEVAL__TOP_K" not in os.environ
    assert refused().startswith(".env: DEPECHE_RETRIEVAL__TOP_K = '-1': Input should be greater")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[retreival]\ntop_k = 3\n", "{path}: unknown section `retreival`. Did you mean [retrieval]?"),
        (
            "[retrieval]\ntop_kk = 3\n",
            "{path}:2: unknown setting `top_kk` in [retrieval]. Did you mean `retrieval.top_k` (`DEPECHE_RETRIEVAL__TOP_K`)?",
        ),
        ("data_dri = 'x'\n", "{path}: unknown setting `data_dri`. Did you mean `data_dir` (`DEPECHE_DATA_DIR`)?"),
        ("[retrieval]\ntop_k = \n", "{path}: not valid TOML: Invalid value (at line 2, column 9)"),
        ("\n[retrieval]\n# top_k = 5\ntop_k = 0\n", "{path}:4: retrieval.top_k = 0: Input should be greater than or equal to 1"),
    ],
)
def test_toml_mistakes_name_the_file_and_line(monkeypatch, tmp_path, text, expected):
    local = tmp_path / "local.toml"
    local.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DEPECHE_LOCAL_CONFIG", str(local))
    assert refused() == expected.format(path=local)


def test_sources_max_bytes_is_a_setting_of_its_own(monkeypatch):
    monkeypatch.setenv("DEPECHE_SOURCES__MAX_BYTES", "2000")
    assert load_settings().sources.max_bytes == 2000


# --- the CLI refuses them the same way, for every subcommand ------------------------------------

SUBCOMMANDS = [
    [], ["chat"], ["bot"], ["eval"], ["search", "pont"], ["ask", "pont"], ["ask", "-"],
    ["index", "rebuild"], ["index", "status"], ["index", "add", "http://127.0.0.1:9/"], ["index", "update"],
    ["index", "gc"],
]


def test_every_subcommand_refuses_bad_settings_on_stderr_with_a_non_zero_exit(tmp_path):
    import subprocess

    from conftest import DEPECHE, cli_env

    env = cli_env(tmp_path / "data", DEPECHE_RETRIEVAL__TOPK="3")
    running = [
        (argv, subprocess.Popen([str(DEPECHE), *argv], env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for argv in SUBCOMMANDS
    ]
    for argv, proc in running:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (argv, stderr)
        assert stdout == "", argv
        assert stderr == (
            "depeche: invalid configuration: unknown variable DEPECHE_RETRIEVAL__TOPK. "
            "Did you mean `retrieval.top_k` (`DEPECHE_RETRIEVAL__TOP_K`)?\n"
        ), argv
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_the_top_k_flag_shares_the_settings_range(tmp_path, value):
    from conftest import cli_env, run_cli

    done = run_cli("search", "--top-k", value, "pont", env=cli_env(tmp_path / "data"))
    assert done.returncode == 2 and "--top-k" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()
