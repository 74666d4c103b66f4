"""Chinese place names from jionlp's nationwide administrative-division dictionary: find, name, climb.

The dictionary (provinces → prefecture-level units → counties, with the short forms the library curates,
e.g. 河南省/河南, 阿坝藏族羌族自治州/阿坝) is loaded once, on first use, because the service imports this
module at startup. Which forms count as a mention of a place:

- full names (尉氏县, 开封市, 山东省, 阿坝藏族羌族自治州) anywhere in the text, except before 级 (「会同县级以上」 is 会同 +
  县级, a level);
- short forms of provinces and prefecture-level units (山东, 开封, 阿坝, 阿坝州) when jieba puts a word
  boundary on both sides, so 周口店 or 大同小异 name no place;
- short forms of counties (尉氏) only when the same text also names the county in full;
- a name shared by several places (鼓楼区, 市中区) counts only when another place in the text is one of
  its parents; generic names that have no short form of their own (城区, 郊区, 矿区) never count.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jieba

__all__ = [
    "Place", "Mention", "mentions", "find_places", "find_regions", "most_specific", "lookup", "region_path", "region_matches",
    "is_place_name", "load",
]

jieba.setLogLevel(logging.WARNING)

Level = Literal["province", "city", "county"]
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}
_BOUNDARY_WINDOW = 8  # characters of context jieba sees on each side of a short form
# A short form written with a level word it does not officially take (广西省, 新疆省: autonomous regions called
# provinces, as people often write them) still names the place.
_LOOSE_LEVEL = "省市"


@dataclass(frozen=True)
class Place:
    """One administrative division: its full name, level and the chain of names from the province down."""

    name: str
    level: Level
    path: tuple[str, ...]  # ("河南省", "开封市", "尉氏县"): province first, ending with `name`
    code: str = ""

    @property
    def parents(self) -> tuple[str, ...]:
        """The enclosing divisions, province first."""
        return self.path[:-1]


@dataclass(frozen=True)
class Mention:
    """A place named at text[start:end], in the form written there."""

    start: int
    end: int
    surface: str
    place: Place


@dataclass
class _Entry:
    places: list[Place]
    short: bool  # a short form (济源, 山东), not a full name
    county_short: bool = False  # a county's short form: needs the full name elsewhere in the text


class _Gazetteer:
    """Name → places tables built from jionlp's three-level dictionary."""

    def __init__(self, tree: dict[str, Any]) -> None:
        self.names: dict[str, _Entry] = {}
        for province, cities in tree.items():
            p = Place(province, "province", (province,), str(cities.get("_admin_code", "")))
            self._add_full(p)
            self._add_short(cities.get("_alias"), p)
            for city, counties in cities.items():
                if city.startswith("_"):
                    continue
                code = str(counties.get("_admin_code", ""))
                direct = city == province or "直辖" in city  # municipalities; 省直辖县级行政区划
                parent: tuple[str, ...] = (province,)
                if not direct:
                    c = Place(city, "city", (province, city), code)
                    self._add_full(c)
                    for alias in _aliases(counties.get("_alias"), city):
                        self._add_short(alias, c)
                    parent = (province, city)
                for county, info in counties.items():
                    if county.startswith("_"):
                        continue
                    alias = str(info.get("_alias", "") or "")
                    if direct and city != province and county.endswith("市"):
                        # Directly administered county-level cities (济源市, 仙桃市) stand in for a prefecture.
                        unit = Place(county, "city", (province, county), str(info.get("_admin_code", "")))
                        self._add_full(unit)
                        self._add_short(alias, unit)
                        continue
                    unit = Place(county, "county", parent + (county,), str(info.get("_admin_code", "")))
                    if (not alias or alias == county) and len(county) <= 2 and county.endswith("区"):
                        continue  # 城区, 郊区, 矿区, 东区: ordinary words, not names (浚县, 芒市 are names)
                    self._add_full(unit)
                    if alias and alias != county and len(alias) >= 2:
                        self._add_short(alias, unit, county_short=True)
        self.first_chars: dict[str, list[int]] = {}
        for name in self.names:
            self.first_chars.setdefault(name[0], []).append(len(name))
        for lengths in self.first_chars.values():
            lengths[:] = sorted(set(lengths), reverse=True)

    def _add_full(self, place: Place) -> None:
        entry = self.names.get(place.name)
        if entry is None or entry.short:
            entry = self.names[place.name] = _Entry([], short=False)
        if place not in entry.places:
            entry.places.append(place)

    def _add_short(self, alias: object, place: Place, *, county_short: bool = False) -> None:
        if not isinstance(alias, str) or len(alias) < 2 or alias == place.name:
            return
        entry = self.names.get(alias)
        if entry is None:
            entry = self.names[alias] = _Entry([], short=True, county_short=county_short)
        elif not entry.short:
            return  # a full name wins over someone's short form
        entry.county_short = entry.county_short and county_short
        entry.places.append(place)


def _aliases(alias: object, full: str) -> list[str]:
    """The library's short forms of a prefecture-level unit, plus 阿坝州 for 阿坝藏族羌族自治州."""
    forms = [a for a in (alias if isinstance(alias, list) else [alias]) if isinstance(a, str) and a]
    if full.endswith("自治州"):
        forms += [a + "州" for a in forms if not a.endswith("州")]
    return forms


_LOCK = threading.Lock()
_TABLES: _Gazetteer | None = None


def _tables() -> _Gazetteer:
    """The dictionary, loaded on first use (about a second; jionlp prints a banner we keep off stdout)."""
    global _TABLES
    if _TABLES is None:
        with _LOCK:
            if _TABLES is None:
                with contextlib.redirect_stdout(io.StringIO()):
                    try:
                        import jionlp
                    except ImportError as exc:  # pragma: no cover - a base dependency
                        raise ImportError("Place names need jionlp: pip install 'jionlp>=1.5'.") from exc
                    tree = jionlp.china_location_loader()
                _TABLES = _Gazetteer(tree)
    return _TABLES


def load() -> None:
    """Load the dictionary now (the service does it while warming up, not on its first question)."""
    _tables()


def _word_edges(text: str, start: int, end: int) -> bool:
    """Whether jieba puts word boundaries at both ends of text[start:end] (済源|第, not 周口|店)."""
    lo = max(0, start - _BOUNDARY_WINDOW)
    window = text[lo: end + _BOUNDARY_WINDOW]
    cuts, pos = {0}, 0
    for token in jieba.lcut(window):
        pos += len(token)
        cuts.add(pos)
    return start - lo in cuts and end - lo in cuts


def _candidates(text: str) -> list[tuple[int, int, _Entry]]:
    """Leftmost-longest name matches, short forms kept only at word boundaries."""
    g = _tables()
    found: list[tuple[int, int, _Entry]] = []
    i = 0
    while i < len(text):
        for length in g.first_chars.get(text[i], ()):
            if i + length > len(text):
                continue
            entry = g.names.get(text[i: i + length])
            if entry is not None and text[i + length: i + length + 1] == "级" and not entry.short:
                continue  # 「会同县级以上」: 会同 + 县级 (a level), not the county 会同县
            if entry is not None and (not entry.short or _word_edges(text, i, i + length)):
                found.append((i, i + length, entry))
                i += length
                break
            end = i + length + 1
            if entry is not None and entry.short and not entry.county_short and end <= len(text) \
                    and text[end - 1] in _LOOSE_LEVEL and _word_edges(text, i, end):
                found.append((i, end, entry))  # 「广西省」: the short form and a level word make one word
                i = end
                break
        else:
            i += 1
    return found


def mentions(text: str, known: Collection[str] = ()) -> list[Mention]:
    """Every place named in a text, in order, with ambiguous names settled by the other places named.

    A county's short form (景宁 for 景宁畲族自治县) counts only when the text also gives the full name, or when the
    county is among `known` (a question asked of an index holding that county's documents)."""
    raw = _candidates(text)
    full_names = {text[s:e] for s, e, entry in raw if not entry.short} | set(known)
    raw = [(s, e, entry) for s, e, entry in raw
           if not entry.county_short or any(p.name in full_names for p in entry.places)]
    settled = {entry.places[0].name for _, _, entry in raw if len(entry.places) == 1}
    out: list[Mention] = []
    for s, e, entry in raw:
        places = entry.places
        if entry.county_short:
            places = [p for p in places if p.name in full_names]
        place = _settle(places, settled, short=entry.short)
        if place is not None:
            out.append(Mention(s, e, text[s:e], place))
    return out


def _settle(places: Sequence[Place], context: set[str], *, short: bool) -> Place | None:
    """One place for a name: the only one, the one whose parents the text names, or (short forms) the highest."""
    if len(places) == 1:
        return places[0]
    supported = [p for p in places if context & set(p.parents)]
    if len(supported) == 1:
        return supported[0]
    if short:  # 海南: the province unless the text names 青海
        top = min(_LEVEL_RANK[p.level] for p in places)
        highest = [p for p in places if _LEVEL_RANK[p.level] == top]
        if len(highest) == 1:
            return highest[0]
    return None


def find_places(text: str, known: Collection[str] = ()) -> list[Place]:
    """The distinct places a text names, first mention first (`known`: as in `mentions`)."""
    seen: dict[str, Place] = {}
    for m in mentions(text, known):
        seen.setdefault(m.place.name, m.place)
    return list(seen.values())


def most_specific(places: Sequence[Place]) -> list[Place]:
    """Drop places that merely enclose another one in the list (河南 in 「河南济源」)."""
    return [p for p in places if not any(p.name in o.parents for o in places)]


def find_regions(text: str, known: Collection[str] = ()) -> list[str]:
    """Canonical names of the places a text names, leaving out those that only enclose another one named."""
    return [p.name for p in most_specific(find_places(text, known))]


def lookup(name: str) -> Place | None:
    """The place a full or short name stands for alone (济源 → 济源市, 山东 → 山东省), None if unknown or ambiguous."""
    name = name.strip()
    if not name:
        return None
    entry = _tables().names.get(name)
    if entry is None:
        return None
    return _settle(entry.places, set(), short=entry.short)


def is_place_name(name: str) -> bool:
    """Whether a string is a known full or short place name."""
    return name.strip() in _tables().names


def region_path(name: str) -> list[str]:
    """The chain from the province down to a region (尉氏县 → 河南省, 开封市, 尉氏县); [name] when unknown."""
    place = lookup(name)
    if place is None:
        return [name] if name else []
    return list(place.path)


def region_matches(path: Sequence[str] | str, wanted: str) -> bool:
    """Whether a document placed at `path` (or at a region name) lies in the region `wanted` (short forms too)."""
    chain = region_path(path) if isinstance(path, str) else list(path)
    if not chain or not wanted:
        return False
    place = lookup(wanted)
    target = place.name if place is not None else wanted.strip()
    return target in chain
