"""The one home of stop words, by category: generic Chinese words that say nothing about a document's topic."""

from __future__ import annotations

__all__ = ["FUNCTION_WORDS", "QUESTION_WORDS", "FOLLOW_UP_WORDS", "ANSWER_KIND_WORDS", "GENERIC_TERMS", "VALUE_KIND_WORDS",
           "LEXICAL_STOP_WORDS"]

# Particles, prepositions, conjunctions and calendar units: never worth matching on their own.
FUNCTION_WORDS = frozenset(
    "的 了 和 与 及 等 在 是 对 为 将 把 被 以 于 中 上 下 年 月 日 有 也 并 或 这 那 个 要 好 做 一个 关于".split())

# How a question is asked, not what it is about.
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 多少 怎么 如何 吗 呢 吧 啊 请问 一下 问 谁 哪 是否 文件 提出 提到".split())

# Pronouns and particles of a follow-up (「那…呢？」, 「它由谁负责？」) that carry no topic of their own.
FOLLOW_UP_WORDS = frozenset(
    "那 呢 它 它们 这 这个 这条 该 上述 那个 那条 还有 其他 别的 吗 的 么 其中 此 这项 那项".split())

# What kind of answer is wanted (a list, the units, a target): not the topic a 「有哪些」 list must cover.
ANSWER_KIND_WORDS = frozenset(
    "哪些 城市 地方 地区 提出 提到 措施 举措 做法 部署 作了 采取 各自 分别 有 关于 什么 方面 工作 内容 "
    "文件 多少 目标 谁 负责 单位 部门 都 还有 其他 列出 所有 全部 各项 几条 发展 推进 加快 实施 情况 相关 "
    "要求 重点 具体 今年 规模 "
    # the genre of the documents asked about (「哪些地方的法规…」), not their topic
    "法规 法律 规章 地方法规 政策 条例 规定 办法".split())

# Words common to questions and measures alike: they do not tell one clause of a measure from another.
GENERIC_TERMS = frozenset(
    "目标 多少 措施 工作 提出 推进 加快 哪些 什么 怎么 如何 方面 情况 要求 内容 规定 城市 文件 哪个 哪一条 "
    "负责 单位 部门 责任 牵头 主要 相关 有关 关于 达到 全年 力争 市 县 区 条 讲".split())

# Words that only say which kind of value a question wants, or how it is phrased (「最多可以」「打算」): never the
# thing asked about.
VALUE_KIND_WORDS = frozenset(
    "多少 多大 多长 多高 多久 多远 几个 几天 几年 什么时候 何时 哪天 哪年 时间 标准 具体 规定 "
    "怎么 怎样 如何 哪个 哪些 谁 由谁 可以 能 要 应当 需要 会 被 最多 最高 最低 至少 一共 分别 "
    "还有 以及 是否 有没有 主要 哪里 这个 那个 其中 每 开始 打算 准备 自己 时候 一次 最长 最短 最多 最少 是从 "
    "怎么办 为什么 多长时间 应该 能否 想 计划 今年 明年 全年 不能 不得 做好".split())

# What the lexical index drops from documents and queries alike.
LEXICAL_STOP_WORDS = FUNCTION_WORDS | QUESTION_WORDS
