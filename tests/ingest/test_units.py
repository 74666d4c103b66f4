"""Responsible and lead units read from a measure's closing parenthesis, table-driven."""

from __future__ import annotations

import pytest

from ingest.units import responsibility, split_units


@pytest.mark.parametrize(("measure_text", "responsible", "leads"), [
    pytest.param("14.持续强化招商引资。（市商务局负责）", ["市商务局"], [], id="one-unit"),
    pytest.param(
        "20.坚持“项目为王”。（发展改革和统计局牵头，工业信息和科技局、交通运输局等相关单位按职责分工负责）",
        ["发展改革和统计局", "工业信息和科技局", "交通运输局"], ["发展改革和统计局"], id="lead-and-others"),
    pytest.param(
        "12.营造创新生态。（工业信息和科技局、发展改革和统计局牵头，科学院、农科院按职责分工负责）",
        ["工业信息和科技局", "发展改革和统计局", "科学院", "农科院"], ["工业信息和科技局", "发展改革和统计局"],
        id="two-leads"),
    pytest.param("127.加快营造林建设。（自然资源和规划局（林业局）负责）", ["自然资源和规划局（林业局）"], [], id="nested"),
    pytest.param(
        "130.严格落实林长制。（水利局、自然资源和规划局（林业局）、生态环境局按职责分工负责）",
        ["水利局", "自然资源和规划局（林业局）", "生态环境局"], [], id="nested-among-others"),
    pytest.param("6.收入增长保持全省领先。（发展改革和统计局、农业农村局按职责分工负责负责）",
                 ["发展改革和统计局", "农业农村局"], [], id="duplicated-fu-ze-typo"),
    pytest.param(
        "1.做强产业链群。（市工业和信息化局、发展改革委及各产业链责任单位按职责分工负责。以下均需各县区政府落实，不再列出）",
        ["市工业和信息化局", "发展改革委", "各产业链责任单位"], [], id="trailing-note"),
    pytest.param("153.加强药品安全监管。（市场监督管理局牵头）。", ["市场监督管理局"], ["市场监督管理局"], id="lead-only"),
    pytest.param("5.推进城市更新。（住房和城乡建设局负责） ", ["住房和城乡建设局"], [], id="trailing-space"),
    pytest.param("5.没有括号的措施。", [], [], id="no-parenthesis"),
    pytest.param("5.建设一批镇（街道）中小型全民健身活动中心。", [], [], id="parenthesis-inside"),
    pytest.param("5.完成河（湖）长制年度任务（含省定指标）", [], [], id="closing-parenthesis-without-units"),
])
def test_responsibility(measure_text: str, responsible: list[str], leads: list[str]) -> None:
    assert responsibility(measure_text) == (responsible, leads)


@pytest.mark.parametrize(("text", "units"), [
    ("公安局、司法局", ["公安局", "司法局"]),
    ("市工业和信息化局、发展改革委及各产业链责任单位", ["市工业和信息化局", "发展改革委", "各产业链责任单位"]),
    ("各开发区管理办公室、镇人民政府、街道办事处等相关单位", ["各开发区管理办公室", "镇人民政府", "街道办事处"]),
    ("商务局、商务局", ["商务局"]),
])
def test_split_units(text: str, units: list[str]) -> None:
    assert split_units(text) == units


@pytest.mark.parametrize(("measure_text", "responsible", "leads"), [
    pytest.param("2.扩大公益性岗位规模。\n牵头单位：市人社局；责任单位：各县区政府",
                 ["市人社局", "各县区政府"], ["市人社局"], id="labels-on-own-line"),
    pytest.param("4.推进改革。牵头单位：市发展改革委、市财政局；配合单位：市商务局；参加单位：各县区政府。",
                 ["市发展改革委", "市财政局", "市商务局", "各县区政府"], ["市发展改革委", "市财政局"], id="labels-three-roles"),
    pytest.param("5.优化审批。责任单位：市政务服务中心（牵头）、市自然资源局",
                 ["市政务服务中心", "市自然资源局"], ["市政务服务中心"], id="lead-noted-in-list"),
    pytest.param("3.建设数据中心（市发展改革委牵头，市财政局、市大数据局配合），推进平台建设（市工信局负责）。",
                 ["市发展改革委", "市财政局", "市大数据局", "市工信局"], ["市发展改革委"], id="parentheses-inside"),
    pytest.param("7.加强监管（市场监管局牵头，公安局参与），完善标准体系，提升服务水平。",
                 ["市场监管局", "公安局"], ["市场监管局"], id="parenthesis-in-the-middle-only"),
    pytest.param("8.加快建设产业园（含孵化器、加速器），形成集聚效应。", [], [], id="parenthesis-without-roles"),
])
def test_responsibility_forms(measure_text: str, responsible: list[str], leads: list[str]) -> None:
    assert responsibility(measure_text) == (responsible, leads)
