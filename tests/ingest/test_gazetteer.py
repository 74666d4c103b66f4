"""The gazetteer: two-character county names are places, generic district words are not."""

from __future__ import annotations

from ingest import find_regions, region_path


def test_two_character_county_names_are_places_but_generic_districts_are_not() -> None:
    assert find_regions("在浚县古城砍伐古树") == ["浚县"]
    assert region_path("浚县") == ["河南省", "鹤壁市", "浚县"]
    assert find_regions("城区改造和郊区农村") == []
