"""Retrieval over the session index: presets, filters, explicit references, and the reranker wired in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tiny_models import build_tiny_cross_encoder  # noqa: E402

from service.retrieval.query import analyze  # noqa: E402
from service.retrieval.retriever import Filters, Hit, Retriever  # noqa: E402


@pytest.mark.parametrize("question, refs, regions, responsible, listing", [
    ("济源第46条讲什么", [("46", "济源市")], ["济源市"], False, False),
    ("开封市第十四条由谁负责？", [("14", "开封市")], ["开封市"], True, False),
    ("郑州重点工作4", [("重点工作4", "郑州市")], ["郑州市"], False, False),
    ("哪些城市提出发展低空经济？", [], [], False, True),
    ("1.5万人的目标是哪一条？", [], [], False, False),
    ("文件第3条规定了什么", [("3", "")], [], False, False),
    ("尉氏县的第3条讲什么", [("3", "尉氏县")], ["尉氏县"], False, False),
    ("阿坝州第十二条由谁负责", [("12", "阿坝藏族羌族自治州")], ["阿坝藏族羌族自治州"], True, False),
    ("河南济源和山东有哪些措施", [], ["济源市", "山东省"], False, True),
    ("河北省重点做好哪几个方面的工作？", [], ["河北省"], False, True),
    ("北京每年哪几个月禁止打猎？", [], ["北京市"], False, False),  # asks for months, not for measures
    ("长春地铁新开通几条线路？", [], ["长春市"], False, False),  # a count, not a list
    ("全民所有制企业的租赁期限是多长？", [], [], False, False),  # 所有制 is ownership, not 「所有」 (all of them)
    ("列出所有补贴措施", [], [], False, True),
    ("这个方案有哪几条措施？", [], [], False, True),
    ("彭水矿产资源管理条例哪一条列出了禁止采矿的区域？", [], [], False, False),  # one measure
    ("这一条由哪些部门负责？", [], [], True, False),  # its units, not a list
    ("储能有哪些措施？由哪些部门负责？", [], [], True, True),
])
def test_query_analysis(question: str, refs: list[tuple[str, str]], regions: list[str], responsible: bool,
                        listing: bool) -> None:
    analysis = analyze(question)
    assert [(r.measure, r.region) for r in analysis.refs] == refs
    assert analysis.regions == regions
    assert analysis.intent.asks_responsible is responsible
    assert analysis.intent.asks_list is listing


@pytest.mark.parametrize("preset", ["bm25", "dense", "hybrid"])
def test_every_preset_finds_the_storage_measure(corpus_qa, preset: str) -> None:  # type: ignore[no-untyped-def]
    hits = corpus_qa.search("储能装机容量", 5, preset=preset).hits
    assert "济源市 第46条" in [h.chunk.measure_label for h in hits]


def test_filters_restrict_results(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    hits = corpus_qa.search("项目建设", 50, Filters(region="济源市", unit="交通运输局")).hits
    assert hits and all(h.chunk.region == "济源市" and any("交通运输局" in u for u in h.chunk.responsible_units)
                        for h in hits)
    assert corpus_qa.search("项目建设", 10, Filters(doc_id="no-such-doc")).hits == []


def test_a_city_filter_finds_its_county_documents(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    hits = corpus_qa.search("经济发展", 50, Filters(region="开封市")).hits
    assert {h.chunk.region for h in hits} == {"开封市", "尉氏县"}
    assert all(h.chunk.region_path[:2] == ["河南省", "开封市"] for h in hits)


def test_region_named_in_the_question_restricts(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    hits = corpus_qa.search("安阳市老旧小区改造", 10).hits
    assert hits and {h.chunk.region for h in hits} == {"安阳市"}


def test_reranker_reorders_the_head(corpus_runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from service.retrieval.rerank import CrossEncoderReranker

    reranker = CrossEncoderReranker(str(build_tiny_cross_encoder(tmp_path / "tiny-cross-encoder")))
    settings = corpus_runtime.settings.retrieval.model_copy(update={"rerank_candidates": 8})
    retriever = Retriever(corpus_runtime.store, corpus_runtime.embedder, settings, reranker)
    plain = retriever.search("储能装机容量", 8, preset="hybrid")
    reranked = retriever.search("储能装机容量", 8, preset="hybrid+rerank")
    assert "rerank_ms" in reranked.timings and "rerank_ms" not in plain.timings
    # The reranker rescored exactly the fused head: the same chunks, ordered by its own scores.
    assert {h.chunk.chunk_id for h in reranked.hits} == {h.chunk.chunk_id for h in plain.hits}
    scores = [h.score for h in reranked.hits]
    assert scores == sorted(scores, reverse=True)
    expected = reranker.score("储能装机容量", [h.chunk.embed_text for h in reranked.hits])
    assert scores == pytest.approx(expected, rel=1e-5)


def test_a_bare_article_number_held_by_many_documents_means_the_top_ranked_ones(tmp_path: Path) -> None:
    from tiny_models import BigramEmbedder

    from ingest.index.store import open_store
    from ingest.pipeline import ingest_paths
    from ingest.settings import StoreSettings
    from service.settings import RetrievalSettings

    topics = ["古树名木保护", "住房租赁押金", "出租汽车客运", "山体修复治理", "法律援助申请", "水土保持补偿"]
    for i, topic in enumerate(topics):  # six regulations, each with a 第二条
        articles = "\n".join(f"第{n}条 {topic}的第{n}项规定，由主管部门负责。" for n in "一二三")
        (tmp_path / f"{i}.txt").write_text(f"某地{topic}条例\n{articles}\n", encoding="utf-8")
    embedder = BigramEmbedder()
    store = open_store(StoreSettings(path=str(tmp_path / "index")), embedder.name, embedder.dimension)
    try:
        ingest_paths(sorted(tmp_path.glob("*.txt")), store, embedder)
        retriever = Retriever(store, embedder, RetrievalSettings())
        question = "第二条关于古树名木保护有什么规定？"
        result = retriever.search(question, 5, analysis=analyze(question))
        explicit = [h for h in result.hits if h.explicit]
        assert explicit and explicit[0].chunk.doc_title == "某地古树名木保护条例"
        assert all(h.chunk.measure == "2" for h in explicit)
        assert len({h.chunk.doc_id for h in explicit}) <= 3  # not the 第二条 of all six documents
    finally:
        store.close()


@pytest.mark.parametrize(("question", "genre", "quoted"), [
    ("哪些地方的法规提到非物质文化遗产的保护利用？", "regulation", []),
    ("秀山梅江河条例对河道岸线有哪些规定？", "regulation", []),
    ("哪些省份的政府工作报告提到“好房子”建设？", "work_report", ["好房子"]),
    ("郑州打造「微短剧创作之都」由哪个部门负责？", "", ["微短剧创作之都"]),
    ("上海市法律援助有哪些规定？", "", []),  # 规定 here is what the measures say, not a genre
    ("政府工作报告提出的重点工作由哪个单位负责？", "", []),  # what the question is about, not where to look
])
def test_the_genre_and_the_quoted_terms_a_question_names(question: str, genre: str, quoted: list[str]) -> None:
    analysis = analyze(question)
    assert (analysis.genre, analysis.quoted) == (genre, quoted)


def test_hits_of_the_genre_and_holding_the_quoted_terms_come_alone_when_there_are_any() -> None:
    from ingest import Chunk
    from service.retrieval.retriever import Hit, of_genre, quoting

    def hit(title: str, text: str) -> Hit:
        return Hit(Chunk(chunk_id=title, doc_id=title, doc_title=title, region="", issuer="", date="", doc_type="",
                         section="", subsection="", measure="1", measure_label="", measure_title="", text=text), 1.0)

    report = hit("2026年某省政府工作报告", "推动好房子建设，加强非物质文化遗产保护利用。")
    regulation = hit("某市非物质文化遗产保护条例", "县人民政府应当制定非物质文化遗产活化利用办法。")
    notice = hit("国务院关于印发某某实施方案的通知", "推动“好房子”、好小区建设。")
    assert of_genre([report, regulation, notice], "regulation") == [regulation]
    assert of_genre([report, notice], "regulation") == [report, notice]  # none of that genre: all stay
    assert of_genre([report, regulation], "") == [report, regulation]
    # Quoted terms are matched as written, punctuation aside.
    assert quoting([regulation, report, notice], ["好房子"]) == [report, notice]
    assert quoting([regulation, notice], ["好房子、好小区"]) == [notice]
    assert quoting([regulation], ["好房子"]) == [regulation]


def test_a_passage_holding_the_questions_name_as_written_comes_first(tmp_path: Path) -> None:
    from tiny_models import BigramEmbedder

    from ingest.index.store import open_store
    from ingest.pipeline import ingest_paths
    from ingest.settings import StoreSettings
    from service.settings import RetrievalSettings

    def top(title: str, passages: list[str], question: str, weight: float) -> list[Hit]:
        """The hits of `question` over one document of `passages`, with the given phrase weight."""
        folder = tmp_path / f"{title}-{weight}"
        folder.mkdir()
        body = "\n".join(f"{'一二三四五六'[n]}、{text}" for n, text in enumerate(passages))
        (folder / "doc.txt").write_text(f"{title}\n{body}\n", encoding="utf-8")
        embedder = BigramEmbedder()
        store = open_store(StoreSettings(path=str(folder / "index")), embedder.name, embedder.dimension)
        try:
            ingest_paths([folder / "doc.txt"], store, embedder)
            retriever = Retriever(store, embedder, RetrievalSettings(phrase_weight=weight))
            return retriever.search(question, 4, analysis=analyze(question)).hits
        finally:
            store.close()

    default = RetrievalSettings().phrase_weight
    report = ["稳定就业。城镇就业稳定，新增岗位增加。", "民生福祉。全年城镇新增就业20万人。",
              "推进乡村振兴。新建高标准农田100万亩，带动农民就业。", "扩大对外开放。进出口总额增长5%。",
              "加快交通建设。新建高速公路300公里。", "改善生态环境。完成造林绿化50万亩。"]
    asked = "城镇新增就业目标是多少？"
    assert "20万人" not in top("某省2026年政府工作报告", report, asked, 0.0)[0].chunk.text  # the words apart, more often
    assert "20万人" in top("某省2026年政府工作报告", report, asked, default)[0].chunk.text
    # a name every passage of a document holds is its subject: it tells none of them apart
    honours = ["荣誉市民称号每两年评选一次。", "荣誉市民称号由县人民政府授予。", "荣誉市民称号可以撤销。"]
    asked = "荣誉市民称号怎么评选？"
    plain, weighed = (top("某县荣誉市民条例", honours, asked, w) for w in (0.0, default))
    assert [h.score for h in plain] == [h.score for h in weighed] != []


def test_a_sanction_asked_brings_the_penalty_article_citing_a_hit(tmp_path: Path) -> None:
    """The penalty article's own words are about the sanction; the conduct asked about is in the article it cites,
    so searched alone it ranks below unrelated articles. Asked for a sanction, it comes right after the article it
    cites; asked anything else, it does not."""
    from tiny_models import BigramEmbedder

    from ingest.index.store import open_store
    from ingest.pipeline import ingest_paths
    from ingest.settings import StoreSettings
    from service.settings import RetrievalSettings

    filler = [f"第{n}条 认证机构应当按照第{n}项工作程序开展认证活动，并保存记录。" for n in
              ("一", "二", "三", "四", "五", "六", "七", "八")]
    articles = [*filler,
                "第九条 认证人员不得同时在两个以上认证培训机构执业。",
                *(f"第{n}条 认证培训机构应当按照第{n}项程序开展培训活动。" for n in ("十", "十一", "十二", "十三", "十四", "十五")),
                "第十六条 违反本办法第九条规定的，责令限期改正，暂停其资格一年。"]
    (tmp_path / "rules.txt").write_text("某认证人员管理办法\n" + "\n".join(articles) + "\n", encoding="utf-8")
    embedder = BigramEmbedder()
    store = open_store(StoreSettings(path=str(tmp_path / "index")), embedder.name, embedder.dimension)
    try:
        ingest_paths([tmp_path / "rules.txt"], store, embedder)
        retriever = Retriever(store, embedder, RetrievalSettings())
        question = "认证人员同时在两个认证培训机构执业会受到什么处罚？"
        measures = [h.chunk.measure for h in retriever.search(question, 5, analysis=analyze(question)).hits]
        assert measures[:2] == ["9", "16"]
        plain = "认证人员同时在两个认证培训机构执业有什么规定？"  # no sanction asked: the fused order alone
        assert "16" not in [h.chunk.measure for h in retriever.search(plain, 5, analysis=analyze(plain)).hits]
    finally:
        store.close()
