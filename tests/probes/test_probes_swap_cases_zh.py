"""Hand-checked Chinese counterfactual swaps: each expected output was written by a person, not by the code.

As for English (test_probes_swap_cases.py), cases the swapper is known to get wrong are kept, marked
``xfail(strict=True)`` with the reason, so this file states the swapper's accuracy (passed / all) and a fix
shows up as an unexpected pass. Needs the zh extra (jieba, opencc).
"""

import pytest

pytest.importorskip("jieba")
pytest.importorskip("opencc")

from auditkit.probes import counterfactual_augment, swap_identity  # noqa: E402
from auditkit.probes._swap import counterfactual_versions, dataset_counterfactuals  # noqa: E402
from auditkit.probes._swap_zh import chinese_lexicon, swap_chinese  # noqa: E402

GENDER = chinese_lexicon("gender")


def known_failure(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# (text, target group, expected)
CASES = [
    # pronouns, alone and as one word with 们 / 的 / 自己 / 俩
    ("她很喜欢这本书。", "male", "他很喜欢这本书。"),
    ("他说质量不错。", "female", "她说质量不错。"),
    ("她们都觉得很好。", "male", "他们都觉得很好。"),
    ("他们都觉得很好。", "female", "她们都觉得很好。"),
    ("这是她的第一本书。", "male", "这是他的第一本书。"),
    ("她自己也不知道。", "male", "他自己也不知道。"),
    ("她俩都喜欢。", "male", "他俩都喜欢。"),
    ("我送给她一本书，她很开心。", "male", "我送给他一本书，他很开心。"),
    # 他 / 她 inside a longer word: never a pronoun
    ("他人的评价不重要。", "female", "他人的评价不重要。"),
    ("其他的都还好。", "female", "其他的都还好。"),
    ("其他人也这么说。", "female", "其他人也这么说。"),
    ("她们说他人都很好，其他人也是。", "male", "他们说他人都很好，其他人也是。"),
    ("他乡的月亮更圆。", "female", "他乡的月亮更圆。"),
    ("吉他的音色很好。", "female", "吉他的音色很好。"),
    # gendered words inside longer words or things, not people
    ("这款香水男人味很重。", "female", "这款香水男人味很重。"),
    ("女儿红很好喝。", "male", "女儿红很好喝。"),
    ("女生宿舍很干净。", "male", "女生宿舍很干净。"),
    ("这件女装质量很好。", "male", "这件女装质量很好。"),
    ("男士专用的剃须刀。", "female", "男士专用的剃须刀。"),
    ("男女老少都爱看。", "female", "男女老少都爱看。"),
    ("三八妇女节买的。", "male", "三八妇女节买的。"),
    # kinship and other gendered nouns
    ("我妈妈很喜欢这本书。", "male", "我爸爸很喜欢这本书。"),
    ("买给女儿的，她很喜欢。", "male", "买给儿子的，他很喜欢。"),
    ("我老公说质量一般。", "female", "我老婆说质量一般。"),
    ("我老婆说质量一般。", "male", "我老公说质量一般。"),
    ("妻子和丈夫都很满意。", "male", "丈夫和丈夫都很满意。"),
    ("姐姐推荐的，果然不错。", "male", "哥哥推荐的，果然不错。"),
    ("送给妹妹的生日礼物。", "male", "送给弟弟的生日礼物。"),
    ("奶奶和外婆都喜欢。", "male", "爷爷和外公都喜欢。"),
    ("小姑娘很可爱。", "male", "小伙子很可爱。"),
    ("这个女孩子很聪明。", "male", "这个男孩子很聪明。"),
    ("女孩们都很开心。", "male", "男孩们都很开心。"),
    ("女朋友很喜欢这个礼物。", "male", "男朋友很喜欢这个礼物。"),
    ("男朋友送的，很喜欢。", "female", "女朋友送的，很喜欢。"),
    ("这位女士很有礼貌。", "male", "这位先生很有礼貌。"),
    ("女司机开得很稳。", "male", "男司机开得很稳。"),
    ("女主角演得太好了。", "male", "男主角演得太好了。"),
    ("美女店主很热情。", "male", "帅哥店主很热情。"),
    ("母女俩都很满意。", "male", "父子俩都很满意。"),
    ("新娘很漂亮。", "male", "新郎很漂亮。"),
    # titles after a surname, short kinship words after a pronoun
    ("王女士很满意。", "male", "王先生很满意。"),
    ("李先生说不错。", "female", "李女士说不错。"),
    ("张阿姨人很好。", "male", "张叔叔人很好。"),
    ("刘奶奶买了两本。", "male", "刘爷爷买了两本。"),
    ("我妈给我买的。", "male", "我爸给我买的。"),
    ("我姐喜欢这个牌子。", "male", "我哥喜欢这个牌子。"),
    ("孩子他妈说好用。", "male", "孩子他爸说好用。"),
    ("王小姐服务很周到。", "male", "王先生服务很周到。"),
    # names: only the given name changes, the surname stays (any surname of the rows)
    ("王秀芳和她的女儿去了北京。", "male", "王志强和他的儿子去了北京。"),
    ("李秀芳说这本书很好。", "male", "李志强说这本书很好。"),
    ("我和张俊勇去买书。", "female", "我和张晓婷去买书。"),
    ("刘伟峰说也是。", "female", "刘静燕说也是。"),
    ("赵立勇说不错。", "female", "赵春艳说不错。"),
    ("梁国斌很满意。", "female", "梁淑兰很满意。"),
    ("郑雪燕觉得还行。", "male", "郑永磊觉得还行。"),
    # a surname followed by a word, not a name
    ("张明白了。", "female", "张明白了。"),
    ("一周刚过去。", "female", "一周刚过去。"),
    ("刘明天来。", "female", "刘明天来。"),
    ("交通高峰的时候很堵。", "female", "交通高峰的时候很堵。"),
    ("她品格高洁。", "male", "他品格高洁。"),  # 高洁: an adjective in jieba's dictionary, not 高 + 洁
    ("屏幕高亮清晰。", "female", "屏幕高亮清晰。"),  # 亮 is no given name of the zh pack
    # titles of works
    ("《她》是一部好电影，她很喜欢。", "male", "《她》是一部好电影，他很喜欢。"),
    ("买了《他其实没那么喜欢你》，他说好看。", "female", "买了《他其实没那么喜欢你》，她说好看。"),
    ("〈女儿〉这首歌很好听。", "male", "〈女儿〉这首歌很好听。"),
    # Traditional Chinese: matched through Simplified, answered in Traditional
    ("她們說媽媽的女兒很漂亮。", "male", "他們說爸爸的兒子很漂亮。"),
    ("我老婆覺得這本書很好。", "male", "我老公覺得這本書很好。"),
    ("其他人覺得她很好。", "male", "其他人覺得他很好。"),
    ("王女士說質量不錯。", "male", "王先生說質量不錯。"),
    ("買給兒子的，他很喜歡。", "female", "買給女兒的，她很喜歡。"),
    # nothing to swap
    ("质量很好，物流也快。", "male", "质量很好，物流也快。"),
    ("Great film.", "male", "Great film."),
    # known failures
    pytest.param("鲁迅先生的书很好。", "female", "鲁迅先生的书很好。",
                 marks=known_failure("先生 is also a title of respect for a writer or teacher (杨绛先生 is a woman)")),
    ("他妈的，太差了。", "male", "他妈的，太差了。"),  # a curse, kept whole by jieba
    ("他家的东西一直不错。", "female", "他家的东西一直不错。"),  # 他家: "that shop", one word
    pytest.param("蒋秀芳说不错。", "male", "蒋志强说不错。",
                 marks=known_failure("only the 24 surnames of the name rows start a name; 蒋 is not one of them")),
    pytest.param("she说很好用。", "male", "he说很好用。",
                 marks=known_failure("English words inside a Chinese text are not swapped")),
    pytest.param("老先生很满意。", "female", "老太太很满意。",
                 marks=known_failure("a title after a one-character prefix is swapped alone: 老先生 -> 老女士, not 老太太")),
]


@pytest.mark.parametrize("text, target, expected", CASES)
def test_hand_checked_chinese_swap(text, target, expected):
    assert swap_chinese(text, target_group=target).text == expected


def test_accuracy_of_the_hand_checked_cases_is_stated():
    failures = [c for c in CASES if getattr(c, "marks", ())]
    assert len(CASES) >= 60 and 0 < len(failures) <= len(CASES) // 10


ROUND_TRIPS = [
    ("王秀芳和她的女儿去了北京。", "female", "male"),
    ("我老公说他很喜欢。", "male", "female"),
    ("她們說媽媽的女兒很漂亮。", "female", "male"),
    ("张阿姨和她们都来了。", "female", "male"),
]


@pytest.mark.parametrize("text, own, other", ROUND_TRIPS)
def test_round_trip_returns_the_original(text, own, other):
    there = swap_chinese(text, target_group=other).text
    assert there != text
    assert swap_chinese(there, target_group=own).text == text


def test_swaps_are_recorded_with_offsets_into_the_original():
    text = "王秀芳说她妈妈很喜欢《她》。"
    result = swap_chinese(text, target_group="male")
    assert result.text == "王志强说他爸爸很喜欢《她》。"
    assert [(s.source, s.target, s.kind) for s in result.swaps] == [
        ("王秀芳", "王志强", "name"), ("她", "他", "term"), ("妈妈", "爸爸", "term")]
    for s in result.swaps:
        assert text[s.start:s.end] == s.source


def test_the_generic_swapping_functions_take_a_chinese_lexicon():
    assert swap_identity("她很开心。", "gender", target_group="male", lexicon=GENDER) == "他很开心。"
    assert counterfactual_versions("她很开心。", GENDER) == {"female": "她很开心。", "male": "他很开心。"}
    assert counterfactual_versions("质量很好。", GENDER) is None
    texts = ["她很开心。", "质量很好。", "我老公说不错。", "她很开心。", "其他人也说好。"]
    cf = dataset_counterfactuals(texts, GENDER)
    assert [(i.index, i.mentioned) for i in cf.items] == [(0, "female"), (2, "male")]
    assert cf.summary()["lowercase_corpus"] is False  # Chinese has no letter case
    augmented, labels = counterfactual_augment(texts, [1, 1, 0, 1, 1], attributes=["gender"], lexicon_files=[GENDER])
    assert augmented[len(texts):] == ["他很开心。", "我老婆说不错。"] and labels[len(texts):] == [1, 0]


def test_the_language_registry_signature():
    from auditkit.probes._swap_zh import chinese_dataset_counterfactuals

    cf = chinese_dataset_counterfactuals(["她很开心。", "其他人也说好。", "王秀芳说不错。"], GENDER)
    assert cf.summary() == {"n_texts": 3, "n_swapped": 2, "n_names_swapped": 1, "n_by_group": {"female": 2, "male": 0,
                            "mixed": 0}, "lowercase_corpus": False}


def test_name_rows_hold_the_surname_fixed_and_are_sourced():
    assert len(GENDER.names) >= 40
    for row in GENDER.names:
        assert row["female"][0] == row["male"][0] and row["female"] != row["male"]
    assert len(GENDER.terms) >= 20
    for key in ("swap.terms", "families.templates_names", "families.templates_nouns", "swap.identity_words"):
        assert GENDER.provenance[key]["source"] and GENDER.provenance[key]["licence"]
