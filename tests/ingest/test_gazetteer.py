"""The gazetteer: two-character county names are places, generic district words are not; short county names
count where the index holds the county."""

from __future__ import annotations

from ingest import find_regions, region_path


def test_two_character_county_names_are_places_but_generic_districts_are_not() -> None:
    assert find_regions("在浚县古城砍伐古树") == ["浚县"]
    assert region_path("浚县") == ["河南省", "鹤壁市", "浚县"]
    assert find_regions("城区改造和郊区农村") == []


def test_a_county_short_name_counts_when_the_index_holds_that_county() -> None:
    question = "景宁对惠明茶的质量安全有哪些管理要求？"
    assert find_regions(question) == []  # a short county name alone is too often a common word
    assert find_regions(question, known={"景宁畲族自治县"}) == ["景宁畲族自治县"]
    assert find_regions("古城保护", known={"景宁畲族自治县"}) == []  # other short names stay words


def test_an_autonomous_region_written_as_a_province_is_that_region() -> None:
    assert find_regions("广西省乡村振兴专项资金用于什么？") == ["广西壮族自治区"]
    assert find_regions("内蒙古省的草原补贴") == ["内蒙古自治区"]
    # a level word that starts another word is not read as one: 河南/市场, 湖北/市县
    assert find_regions("河南市场监管局发布") == ["河南省"]
    assert find_regions("吉林市的政策") == ["吉林市"]  # a city of that name stays the city
