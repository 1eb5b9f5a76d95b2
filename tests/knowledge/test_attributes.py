"""What a question asks for (a price, opening hours, an amount...) and whether an answer
states it."""

from __future__ import annotations

import pytest

from knowledge.attributes import asked, partly_stated, stated_kinds, subject, unstated

HISTORY = "三苏祠原是苏洵、苏轼、苏辙的故居。元代改宅为祠，清康熙四年（1665）重建。"


@pytest.mark.parametrize(
    ("question", "kind"),
    [("三苏祠门票多少钱", "price"), ("东坡区低保标准一个月多少钱", "amount"),
     ("远景楼晚上几点亮灯", "hours"), ("东坡区去年GDP是多少", "economy"),
     ("苏辙社区有多少户人家", "count"), ("通惠河绿道全长多少公里", "size"),
     ("东坡大道改造好久完工", "date"), ("三苏祠有什么历史", None), ("低保怎么申请", None),
     # how long the office takes is not how long one lived there
     ("身份证办下来要等几天", "processing"), ("多久能拿到", "processing"),
     ("要住满多久才能办居住证", "duration"), ("办居住证要多长时间", "processing")],
)  # fmt: skip
def test_what_a_question_asks_for(question: str, kind: str | None) -> None:
    found = asked(question)
    assert (found.name if found else None) == kind


def test_an_answer_that_does_not_state_it_is_found_out() -> None:
    missing = unstated("三苏祠门票多少钱", HISTORY)
    assert missing is not None
    assert subject("三苏祠门票多少钱", missing, ("三苏", "三苏祠")) == "三苏祠"
    assert unstated("三苏祠门票多少钱", "三苏祠免费开放，凭身份证入馆。") is None
    assert unstated("三苏祠是哪年重建的", HISTORY) is None


def test_the_subject_is_the_words_before_the_ask_when_no_name_fits() -> None:
    missing = asked("那个东坡湖能不能钓鱼几点关门")
    assert missing is not None
    assert subject("那个东坡湖几点关门", missing, ()) == "东坡湖"


def test_a_date_is_stated_by_a_year_or_a_dynasty() -> None:
    assert unstated("三苏祠是什么时候重建的", HISTORY) is None
    assert unstated("创特色什么时候验收", "以社会工作服务体系为支撑。") is not None


def test_a_current_office_holder_is_stated_only_by_a_name_after_the_title() -> None:
    leaders = "区里由区委书记、区长任双组长；街道由党工委书记、主任任双组长。"
    assert unstated("现在的东坡区区委书记叫什么名字", leaders) is not None
    assert unstated("三苏祠博物馆现在的馆长是谁", HISTORY) is not None
    assert unstated("苏辙社区书记是谁", "苏辙社区党委书记是王雅沁。") is None
    assert asked("东坡岛现在叫什么") is None  # the place's name, not a person's


def test_the_next_time_is_not_the_last_time() -> None:
    held = "这是上游社区11月办的环保手工活动。"
    assert unstated("云朵灯活动下一次什么时候办", held) is not None
    assert unstated("云朵灯活动啥时候办的", held) is None
    assert unstated("义诊下次啥时候", "下一期计划于3月在蓬莱社区举办。") is None


def test_an_age_is_stated_in_full_years_too() -> None:
    assert unstated("多少岁可以办老年证", "一般年满60周岁的老人可以办。") is None
    assert unstated("多少岁可以办老年证", "带照片和身份证到老龄办领取。") is not None


def test_a_stay_of_half_a_year_states_a_duration_but_not_a_processing_time() -> None:
    answer = "在这里居住半年以上，就能申领。带身份证到派出所办。"
    assert unstated("要住满多久才能办", answer) is None
    assert unstated("办下来要等几天", answer) is not None


def test_a_question_asking_two_things_is_partly_answered() -> None:
    answer = "远景楼高约80米，是北宋时修的楼。"
    assert partly_stated("远景楼有多高，开放时间是几点到几点", answer)
    assert not partly_stated("远景楼几点开门", answer)
    assert not partly_stated("我想去远景楼玩，几点开门", answer)


def test_a_share_each_one_got_is_not_stated_by_a_total() -> None:
    assert asked("这笔补助每户分了多少") is not None
    assert unstated("这笔补助每户分了多少", "区里拿出100万元补助困难家庭。") is not None
    assert unstated("这笔补助每户分了多少", "每户补助2000元。") is None
    found = asked("低保每个月发多少")
    assert found is not None
    assert found.name == "amount"


def test_which_ones_is_not_how_many() -> None:
    assert asked("苏家祖坟埋的是哪几个人") is None
    found = asked("这个班有几个人")
    assert found is not None
    assert found.name == "count"


@pytest.mark.parametrize(
    ("answer", "kinds"),
    [(HISTORY, {"time"}), ("街道辖芙蓉路、东湖等17个社区。", {"count"}),
     ("门票60元，周一闭馆，9:00开门。", {"price", "time"}), ("热线电话12345。", {"contact"}),
     ("苏辙字子由，晚号颍滨遗老。", set())],
)  # fmt: skip
def test_the_kinds_an_answer_states_by_a_figure(answer: str, kinds: set[str]) -> None:
    """What the matcher counts as touched by an entry although its answer never uses the
    asking words ("17个社区" answers "多少个社区")."""
    assert stated_kinds(answer) == kinds
