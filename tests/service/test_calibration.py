"""Answerability thresholds stored with an index: read unless the environment sets them, bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ConfigError
from service.settings import (CALIBRATION_FILE, AnswerSettings, RetrievalSettings, Settings, apply_calibration,
                              save_calibration)


def _settings(index: Path, **retrieval: float) -> Settings:
    settings = Settings()
    settings.store.path = str(index)
    settings.store.url = ""
    settings.retrieval = RetrievalSettings(**retrieval)
    return settings


def test_stored_thresholds_are_used(tmp_path: Path) -> None:
    assert save_calibration(str(tmp_path), 0.425, 0.6) == tmp_path / CALIBRATION_FILE
    settings = _settings(tmp_path)
    assert apply_calibration(settings)
    assert (settings.retrieval.min_support, settings.retrieval.lexical_share) == (0.425, 0.6)


def test_thresholds_set_in_the_environment_win(tmp_path: Path) -> None:
    save_calibration(str(tmp_path), 0.425, 0.6)
    settings = _settings(tmp_path, min_support=0.7)  # as if POLICY_RAG_RETRIEVAL__MIN_SUPPORT=0.7
    apply_calibration(settings)
    assert (settings.retrieval.min_support, settings.retrieval.lexical_share) == (0.7, 0.6)


def test_no_file_changes_nothing_and_a_bad_file_says_how_to_fix_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert not apply_calibration(settings) and settings.retrieval.min_support == RetrievalSettings().min_support
    (tmp_path / CALIBRATION_FILE).write_text("{\"min_support\": \"high\"}", encoding="utf-8")
    with pytest.raises(ConfigError, match="eval calibrate"):
        apply_calibration(settings)
    (tmp_path / CALIBRATION_FILE).write_text("{\"min_support\": 7, \"lexical_share\": 0.5}", encoding="utf-8")
    with pytest.raises(ConfigError, match="out of range"):
        apply_calibration(settings)


def test_a_stored_gate_threshold_is_used_unless_the_environment_sets_one(tmp_path: Path) -> None:
    save_calibration(str(tmp_path), 0.425, 0.6, gate_threshold=0.3)
    settings = _settings(tmp_path)
    assert settings.answer.gate_threshold is None  # unset: the answer model file's
    apply_calibration(settings)
    assert settings.answer.gate_threshold == 0.3
    pinned = _settings(tmp_path)
    pinned.answer = AnswerSettings(gate_threshold=0.1)  # as if POLICY_RAG_ANSWER__GATE_THRESHOLD=0.1
    apply_calibration(pinned)
    assert pinned.answer.gate_threshold == 0.1
    save_calibration(str(tmp_path), 0.425, 0.6)  # no gate chosen: none stored, the file's stays
    unset = _settings(tmp_path)
    apply_calibration(unset)
    assert unset.answer.gate_threshold is None
    (tmp_path / CALIBRATION_FILE).write_text("{\"min_support\": 0.4, \"lexical_share\": 0.5, \"gate_threshold\": 2}",
                                             encoding="utf-8")
    with pytest.raises(ConfigError, match="out of range"):
        apply_calibration(_settings(tmp_path))
